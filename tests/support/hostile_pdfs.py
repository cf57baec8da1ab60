"""Small PDFs that attack the reader: form XObjects nested to be drawn 10⁸ times (a 2 KB file
that pdfminer never finishes), and a content stream that unpacks to hundreds of megabytes."""

from __future__ import annotations

import zlib


def _pdf(objects: list[bytes]) -> bytes:
    """A PDF of these object bodies (numbered from 1, the first the catalog) with a right xref."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _stream(extra: bytes, data: bytes) -> bytes:
    return b"<< " + extra + b" /Length " + str(len(data)).encode() + b" >>\nstream\n" + data + b"\nendstream"


_PAGE_TREE = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"]


def xobject_bomb(levels: int = 8, fan: int = 10) -> bytes:
    """A page drawing a form that draws the next form fan times, levels deep."""
    objs = list(_PAGE_TREE) + [
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /X 5 0 R >> >>"
        b" /Contents 4 0 R >>",
        _stream(b"", b"/X Do\n" * fan)]
    for level in range(levels):
        if level < levels - 1:
            objs.append(_stream(b"/Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources << /XObject << /X %d 0 R"
                                b" >> >>" % (6 + level), b"/X Do\n" * fan))
        else:
            objs.append(_stream(b"/Type /XObject /Subtype /Form /BBox [0 0 10 10]", b"0 0 m 1 1 l S"))
    return _pdf(objs)


def flate_bomb(megabytes: int = 200) -> bytes:
    """A page whose content stream is a few hundred KB compressed and megabytes unpacked."""
    c = zlib.compressobj(9)
    chunk = b"0 0 m 1 1 l S\n" * 4096
    data = bytearray()
    for _ in range((megabytes << 20) // len(chunk)):
        data += c.compress(chunk)
    data += c.flush()
    objs = list(_PAGE_TREE) + [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
                               _stream(b"/Filter /FlateDecode", bytes(data))]
    return _pdf(objs)
