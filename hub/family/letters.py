"""The letter a school sends home: one page per guardian code, with a QR code that opens the family page.

The code is printed once and kept on the hub only as a hash, so a lost letter means a new code.
"""
from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import quote

from .accounts import IssuedCode, pretty


def signin_url(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/family/?code={quote(code)}"


def _qr_reader(text: str):
    import segno
    from reportlab.lib.utils import ImageReader

    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=8, border=2)
    out.seek(0)
    return ImageReader(out)


def render_letters(codes: list[IssuedCode], base_url: str, school_name: str, out: Path | io.BytesIO) -> int:
    """Write the letters as one PDF (one page each); returns the page count."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    w, h = A4
    pdf = canvas.Canvas(out if isinstance(out, io.BytesIO) else str(out), pagesize=A4)
    pdf.setTitle(f"{school_name} 家长登录码")
    for c in codes:
        url = signin_url(base_url, c.code)
        pdf.setFont("STSong-Light", 20)
        pdf.drawString(25 * mm, h - 35 * mm, f"{school_name} · 家校互通 家长登录码")
        pdf.setFont("STSong-Light", 13)
        lines = [f"学生：{c.student_name}    班级：{c.class_id}    关系：{c.relation}",
                 "",
                 "尊敬的家长：请用手机扫描下方二维码，或在浏览器打开下面的网址，",
                 "输入登录码并设置您自己的登录名和密码。之后您可以查看孩子在校的",
                 "考勤、课表、作业和通知，并给孩子留言（亲情留言）。",
                 "",
                 f"网址：{base_url.rstrip('/')}/family/",
                 f"登录码：{pretty(c.code)}",
                 f"有效期至：{c.expires_at:%Y-%m-%d}（只能使用一次）",
                 "",
                 "隐私：学校只保存您设定的登录名和密码的摘要，不收集姓名、电话或证件号。",
                 "如果这封信遗失或被他人看到，请联系班主任作废并重新发码。"]
        y = h - 50 * mm
        for line in lines:
            pdf.drawString(25 * mm, y, line)
            y -= 8 * mm
        pdf.drawImage(_qr_reader(url), 25 * mm, y - 62 * mm, 60 * mm, 60 * mm)
        pdf.setFont("Courier-Bold", 22)
        pdf.drawString(95 * mm, y - 30 * mm, pretty(c.code))
        pdf.setFont("STSong-Light", 9)
        pdf.drawString(25 * mm, 15 * mm, "Guardian sign-in code: scan the QR code, enter the code, choose a password.")
        pdf.showPage()
    pdf.save()
    return len(codes)
