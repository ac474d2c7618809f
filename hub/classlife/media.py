"""Videos for the media library: only files the boards' screens can play, told apart by their bytes.

A board plays a library video in its screen's ``<video>`` element (Chromium):
WebM with VP8, VP9 or AV1, or MP4 with H.264 or AV1. The check reads the
container's signature and looks for one of those codecs' tags, without
decoding, so the hub needs neither OpenCV nor FFmpeg; each board checks the
file's SHA-256 again before it shows it.
"""
from __future__ import annotations

MAX_VIDEO_BYTES = 200 * 1024 * 1024
WEBM_CODECS = (b"V_VP8", b"V_VP9", b"V_AV1")
MP4_CODECS = (b"avc1", b"avc3", b"av01")


class VideoError(ValueError):
    """Not a video the boards can play; nothing was kept."""


def is_video(data: bytes) -> bool:
    """A WebM (EBML) or MP4 (ISO BMFF ``ftyp``) container, whatever its codec."""
    return data.startswith(b"\x1a\x45\xdf\xa3") or data[4:8] == b"ftyp"


def check_video(data: bytes) -> str:
    """The file's MIME type when a board can play it; ``VideoError`` saying why not otherwise."""
    if len(data) > MAX_VIDEO_BYTES:
        raise VideoError(f"视频 {len(data) >> 20} MB，上限 {MAX_VIDEO_BYTES >> 20} MB / "
                         f"the video is {len(data) >> 20} MB; the limit is {MAX_VIDEO_BYTES >> 20} MB")
    if data.startswith(b"\x1a\x45\xdf\xa3"):
        if b"webm" not in data[:64] or not any(tag in data[:1 << 20] for tag in WEBM_CODECS):
            raise VideoError("WebM 视频须为 VP8、VP9 或 AV1 编码 / a WebM video must be VP8, VP9 or AV1")
        return "video/webm"
    if data[4:8] == b"ftyp":
        if not any(tag in data for tag in MP4_CODECS):
            raise VideoError("MP4 视频须为 H.264 或 AV1 编码 / an MP4 video must be H.264 or AV1")
        return "video/mp4"
    raise VideoError("不是 WebM 或 MP4 视频 / not a WebM or MP4 video")
