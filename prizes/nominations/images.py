"""The optional project image: checked by decoding it, re-encoded, kept in the instance folder.

Re-encoding drops metadata and anything appended to the file, so what is served is only ever
a plain image of the type it claims.
"""

from __future__ import annotations

import secrets
import warnings
from io import BytesIO
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError

from prizes.core.errors import DomainError
from prizes.nominations.models import Nomination

MAX_BYTES = 2 * 1024 * 1024
MAX_SIDE = 6000
FORMATS = {
    "PNG": ("png", "image/png"),
    "JPEG": ("jpg", "image/jpeg"),
    "WEBP": ("webp", "image/webp"),
}
MIME_BY_SUFFIX = {suffix: mime for suffix, mime in FORMATS.values()}


class ImageRejected(DomainError):
    message = _l("The image must be a PNG, JPEG or WebP file of at most 2 MB.")


def upload_folder() -> Path:
    folder = Path(current_app.instance_path) / "uploads" / "nominations"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def store_image(nomination: Nomination, data: bytes) -> None:
    """Check and store the image as the nomination's. Raises ImageRejected."""
    if not data or len(data) > MAX_BYTES:
        raise ImageRejected()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(BytesIO(data))  # reads the header only
            # Refuse by type and size before decoding: a small file can hold a huge image.
            if image.format not in FORMATS or max(image.size) > MAX_SIDE:
                raise ImageRejected()
            image.verify()
            image = Image.open(BytesIO(data))
            image.load()
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombWarning,
        Image.DecompressionBombError,
    ) as error:
        raise ImageRejected() from error
    suffix, _mime = FORMATS[image.format or ""]
    if image.format == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    name = f"{nomination.id}-{secrets.token_hex(8)}.{suffix}"
    image.save(upload_folder() / name, format=image.format)
    # An earlier file stays on disk: deleting it before the commit could lose the image the
    # nomination still shows if the transaction rolls back.
    nomination.image_path = name
