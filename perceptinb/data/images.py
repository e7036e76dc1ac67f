"""Images from class folders (``root/cat/1.png``, ``root/dog/2.jpg``), built on
``keras.utils.image_dataset_from_directory``.

Keras stops a whole training run at the first file it cannot decode, somewhere in the middle of
an epoch. So every file is decoded once up front (about a millisecond per small image):
unreadable files are skipped and reported (or raise, with ``on_bad_files="error"``), and Keras
reads the good ones.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from perceptinb.data.errors import DataError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
_BAD_FILES = ("skip", "error")


@dataclass
class ImageFolder:
    """A labelled image dataset read from class folders.

    Attributes:
        dataset: A ``tf.data.Dataset`` of ``(images, labels)`` batches, images float32 in
            0..255 of shape (batch, height, width, channels), labels class indices.
        class_names: Folder names, in the order the labels count in.
        files: How many images the dataset holds.
        skipped: ``"path: why"`` for every file left out.
        path: The folder read.
    """

    dataset: Any
    class_names: list[str]
    files: int
    path: Path
    skipped: list[str] = field(default_factory=list)

    def take(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """The first `n` images and labels as numpy arrays (e.g. a canvas sample)."""
        images, labels = [], []
        for x, y in self.dataset.unbatch().take(n):
            images.append(np.asarray(x))
            labels.append(np.asarray(y))
        return np.stack(images), np.stack(labels)


def from_image_folder(
    path: str | os.PathLike[str],
    image_size: tuple[int, int] = (64, 64),
    *,
    batch_size: int = 32,
    color_mode: str = "rgb",
    shuffle: bool = True,
    seed: int | None = 0,
    on_bad_files: str = "skip",
) -> ImageFolder:
    """Read labelled images from one subfolder per class.

    Args:
        path: The folder holding one subfolder per class.
        image_size: (height, width) every image is resized to.
        batch_size: Images per batch of the dataset.
        color_mode: ``"rgb"``, ``"grayscale"`` or ``"rgba"``.
        shuffle: Shuffle the files (with `seed`) as Keras does.
        seed: The shuffling seed.
        on_bad_files: ``"skip"`` leaves files that do not decode out, lists them in
            ``ImageFolder.skipped`` and warns; ``"error"`` raises on the first.

    Raises:
        DataError: naming the folder or file: the folder does not exist, holds no class
            folders or no images, or a file does not decode (with ``on_bad_files="error"``).
    """
    if on_bad_files not in _BAD_FILES:
        raise DataError(f"Expected on_bad_files in {_BAD_FILES}. Received: {on_bad_files!r}.")
    root = Path(path).expanduser()
    if not root.is_dir():
        raise DataError(f"{root}: no such folder. Expected a folder with one folder per class.")
    classes = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not classes:
        raise DataError(
            f"{root}: no class folders. Expected one folder per class (e.g. {root}/cat/1.png)."
        )
    found = {c: sorted(_images_in(root / c)) for c in classes}
    if not any(found.values()):
        raise DataError(
            f"{root}: no images in its class folders {classes}. Expected files ending in "
            f"{', '.join(IMAGE_SUFFIXES)}."
        )
    good, skipped = _decodable(found, on_bad_files)
    if not any(good.values()):
        raise DataError(f"{root}: none of its {len(skipped)} image file(s) decode: {skipped[0]}")
    if skipped:
        warnings.warn(
            f"{root}: skipped {len(skipped)} file(s) that do not decode, e.g. {skipped[0]}. "
            "See .skipped for all.",
            stacklevel=2,
        )
    import keras

    folder = root
    if skipped:
        # Keras reads whole folders: give it one that links to the good files only. The
        # dataset reads lazily (and datasets derived from it too), so the links stay until the
        # Python process ends.
        folder = Path(tempfile.mkdtemp(prefix="perceptinb-images-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        for name, files in good.items():
            (folder / name).mkdir()
            for i, file in enumerate(files):
                (folder / name / f"{i:06d}_{file.name}").symlink_to(file.resolve())
    dataset = keras.utils.image_dataset_from_directory(
        folder,
        labels="inferred",
        class_names=classes,
        image_size=tuple(image_size),
        batch_size=batch_size,
        color_mode=color_mode,
        shuffle=shuffle,
        seed=seed,
        verbose=False,
    )
    count = sum(len(files) for files in good.values())
    return ImageFolder(dataset, classes, count, root, skipped)


def _images_in(folder: Path) -> list[Path]:
    return [
        p
        for p in folder.rglob("*")
        if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith(".")
    ]


def _decodable(
    found: dict[str, list[Path]], on_bad_files: str
) -> tuple[dict[str, list[Path]], list[str]]:
    """The files TensorFlow decodes, per class, and why each other file was left out."""
    import tensorflow as tf

    good: dict[str, list[Path]] = {}
    skipped: list[str] = []
    for name, files in found.items():
        good[name] = []
        for file in files:
            try:
                tf.io.decode_image(tf.io.read_file(str(file)), expand_animations=False)
            except (tf.errors.OpError, ValueError) as exc:
                reason = f"{file}: not a decodable image ({_short(exc)})"
                if on_bad_files == "error":
                    raise DataError(reason) from None
                skipped.append(reason)
                continue
            good[name].append(file)
    return good, skipped


def _short(exc: Exception) -> str:
    text = getattr(exc, "message", None) or str(exc)
    return text.strip().splitlines()[0][:160] if text.strip() else type(exc).__name__
