"""Real image files crafted with Pillow (and by hand, for hostile ones) for the photo tests."""

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageCms, ImageDraw, PngImagePlugin

CAMERA_MAKE = "NewsroomTestCam"
GPS_LATITUDE = (35.0, 41.0, 22.22)
XMP_PACKET = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" photoshop:City="SecretTown"/>'
    b"</rdf:RDF></x:xmpmeta>"
)
RED = (220, 20, 20)
BLUE = (20, 40, 220)
YELLOW = (250, 220, 0)
GREY = (128, 128, 128)


def encode(img: Image.Image, fmt: str = "JPEG", **options) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, fmt, **options)
    return buffer.getvalue()


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def halves(size=(400, 200)) -> Image.Image:
    """Left half red, right half blue: shows where the left edge ends up after orientation."""
    img = Image.new("RGB", size, BLUE)
    ImageDraw.Draw(img).rectangle((0, 0, size[0] // 2 - 1, size[1] - 1), fill=RED)
    return img


def marker_at_right(size=(1600, 900), marker=100) -> Image.Image:
    """Grey, with a yellow square at the middle of the right edge (for focal-point crops)."""
    img = Image.new("RGB", size, GREY)
    top = size[1] // 2 - marker // 2
    ImageDraw.Draw(img).rectangle((size[0] - marker, top, size[0] - 1, top + marker - 1), fill=YELLOW)
    return img


def camera_exif(orientation: int = 6) -> Image.Exif:
    """EXIF as a phone writes it: an orientation tag, the camera make and a GPS position."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = CAMERA_MAKE
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = GPS_LATITUDE
    gps[3] = "E"
    gps[4] = (139.0, 41.0, 30.0)
    return exif


def srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def camera_jpeg(img: Image.Image | None = None, orientation: int = 6) -> bytes:
    """A JPEG carrying everything a camera leaves behind: EXIF+GPS, XMP, an ICC profile, a comment."""
    img = img or halves()
    return encode(
        img, "JPEG", quality=92, exif=camera_exif(orientation), xmp=XMP_PACKET, icc_profile=srgb_icc(), comment=b"x"
    )


def noise_jpeg(size=(600, 400), quality=95) -> bytes:
    """A JPEG that does not compress well (for size limits and truncation)."""
    return encode(Image.effect_noise(size, 80).convert("RGB"), "JPEG", quality=quality)


def truncated(data: bytes, keep: float = 0.6) -> bytes:
    return data[: int(len(data) * keep)]


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def png_claiming(width: int, height: int) -> bytes:
    """A tiny, well-formed PNG header declaring ``width`` × ``height`` pixels: a decompression bomb's shape."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


_PNG_COLOUR_TYPES = {"L": (0, 1), "RGB": (2, 3), "RGBA": (6, 4)}  # mode -> (PNG colour type, bytes per pixel)


def png_solid(width: int, height: int, mode: str = "RGB", value: int = 200) -> bytes:
    """A real, fully decodable ``width`` × ``height`` PNG of one colour, written row by row.

    A 1 × 40,000,000 or 800 × 30,000 image compresses to kilobytes, and making it never
    holds the pixels in memory (unlike ``Image.new``), so the test process stays small.
    """
    colour_type, channels = _PNG_COLOUR_TYPES[mode]
    ihdr = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    row = b"\x00" + bytes([value]) * (width * channels)  # filter type 0, then the pixels
    rows_per_chunk = max(1, (1 << 20) // len(row))
    compressor = zlib.compressobj(9)
    idat = bytearray()
    for top in range(0, height, rows_per_chunk):
        idat += compressor.compress(row * min(rows_per_chunk, height - top))
    idat += compressor.flush()
    chunks = _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", bytes(idat)) + _png_chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


def with_iptc(jpeg: bytes, city: bytes = b"SecretTown") -> bytes:
    """``jpeg`` with an IPTC City field in a Photoshop APP13 segment, as news agencies send them."""
    record = b"\x1c\x02\x5a" + struct.pack(">H", len(city)) + city  # IPTC 2:90 City
    record += b"\x00" * (len(record) % 2)
    resource = b"8BIM\x04\x04\x00\x00" + struct.pack(">I", len(record)) + record
    payload = b"Photoshop 3.0\x00" + resource
    return jpeg[:2] + b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]


def camera_png(img: Image.Image | None = None, orientation: int = 6) -> bytes:
    """A PNG with an eXIf chunk (orientation, GPS), XMP and a location in text chunks, and an ICC profile."""
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", XMP_PACKET.decode())
    info.add_text("Location", "SecretTown")
    return encode(img or halves(), "PNG", exif=camera_exif(orientation), pnginfo=info, icc_profile=srgb_icc())


def camera_webp(img: Image.Image | None = None, orientation: int = 6) -> bytes:
    """A WebP with EXIF (orientation, GPS), XMP and an ICC profile."""
    return encode(
        img or halves(), "WEBP", quality=95, exif=camera_exif(orientation), xmp=XMP_PACKET, icc_profile=srgb_icc()
    )


SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" onload="alert(1)">'
    b'<script>alert("xss")</script><rect width="100" height="100" fill="red"/></svg>'
)
