"""The graph of relations around documents, for `gazette relations`: the edges within a number
of steps, and the DOT text Graphviz draws."""

from __future__ import annotations

from .relations import Relation, RelationGraph

KIND_STYLES = {"cites": "solid", "promulgates": "bold", "forwards": "dashed", "amends": "dotted",
               "repeals": "bold", "replaces": "bold"}


def relation_edges(graph: RelationGraph, start: list[str], depth: int) -> list[Relation]:
    """Every relation within depth steps of the start documents, out and in (unresolved targets
    are leaves)."""
    seen_nodes, frontier, edges, seen = set(start), list(start), [], set()
    for _ in range(depth):
        nxt = []
        for key in frontier:
            for r in graph.outgoing.get(key, []) + graph.incoming.get(key, []):
                ident = (r.source, r.kind, r.target_text, r.offset)
                if ident in seen:
                    continue
                seen.add(ident)
                edges.append(r)
                for node in (r.source, r.target):
                    if node and node not in seen_nodes:
                        seen_nodes.add(node)
                        nxt.append(node)
        frontier = nxt
    return edges


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def to_dot(graph: RelationGraph, edges: list[Relation], start: list[str]) -> str:
    lines = ["digraph relations {", "  rankdir=LR;", '  node [shape=box, fontname="Noto Sans CJK SC"];']
    nodes: dict[str, str] = {}

    def node(key: str | None, text: str) -> str:
        ident = key or "unresolved:" + text
        if ident not in nodes:
            nodes[ident] = f"n{len(nodes)}"
            if key:
                _, d = graph.docs[key]
                label = (d.doc_number + "\\n" if d.doc_number else "") + d.title[:40]
                extra = ", style=filled, fillcolor=lightyellow" if key in start else ""
            else:
                label, extra = text[:40], ", style=dashed"
            lines.append(f"  {nodes[ident]} [label={_q(label)}{extra}];")
        return nodes[ident]

    for e in edges:
        a, b = node(e.source, ""), node(e.target, e.target_text)
        lines.append(f"  {a} -> {b} [label={_q(e.kind)}, style={KIND_STYLES[e.kind]}];")
    lines.append("}")
    return "\n".join(lines)
