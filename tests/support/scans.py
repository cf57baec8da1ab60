"""Scans made from born-digital test gazettes: each page rendered to an image with the wear of a
scanner (a slight rotation, grey paper, blur, JPEG noise) and saved as an image-only PDF."""

from __future__ import annotations

import io
import random
from pathlib import Path


def cjk_font_available() -> bool:
    """pdfium draws the test gazettes' CJK text only with a CJK font installed (Debian's
    fonts-wqy-zenhei in CI); without one, a rendered page would be blank."""
    return any(Path(d).exists() for d in ("/usr/share/fonts/truetype/wqy", "/usr/share/fonts/opentype/noto"))


def scan_pdf(src: str | Path, dst: str | Path, seed: int = 0, dpi: int = 150, rotate: float = 0.6,
             pages: list[int] | None = None) -> None:
    """An image-only copy of src (the 1-based pages given, or all), as a scanner would make it."""
    import pypdfium2 as pdfium
    from PIL import Image, ImageFilter

    rng = random.Random(seed)
    doc = pdfium.PdfDocument(str(src))
    images = []
    for n in pages or range(1, len(doc) + 1):
        img = doc[n - 1].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
        img = img.rotate(rng.uniform(-rotate, rotate), resample=Image.BICUBIC, expand=False, fillcolor=255)
        paper = Image.new("L", img.size, 235)  # grey paper under black ink
        img = Image.composite(img, paper, img.point(lambda v: 255 - v))
        img = img.filter(ImageFilter.GaussianBlur(0.6))
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=70)  # the noise of a JPEG scanner
        images.append(Image.open(io.BytesIO(buf.getvalue())).convert("L"))
    doc.close()
    images[0].save(dst, "PDF", resolution=dpi, save_all=True, append_images=images[1:])
