"""pnb.data.from_image_folder: class folders of images in, bad files skipped and reported."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from sklearn.datasets import load_digits

import perceptinb as pnb
from perceptinb.data import DataError


def _write_png(path, image: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(tf.io.encode_png(image.astype(np.uint8)).numpy())


@pytest.fixture
def digits_folder(tmp_path):
    """Three classes of scikit-learn digits as 8x8 grayscale PNG files, five per class."""
    digits = load_digits()
    root = tmp_path / "digits"
    for label in (0, 1, 2):
        images = digits.images[digits.target == label][:5]
        for i, image in enumerate(images):
            _write_png(root / str(label) / f"{i}.png", image[..., None] * 255 / 16)
    return root, digits


def test_digits_folder_reads_labelled_images(digits_folder) -> None:
    root, digits = digits_folder
    data = pnb.data.from_image_folder(
        root, image_size=(8, 8), color_mode="grayscale", shuffle=False
    )
    assert data.class_names == ["0", "1", "2"] and data.files == 15 and data.skipped == []
    x, y = data.take(15)
    assert x.shape == (15, 8, 8, 1) and x.dtype == np.float32
    assert np.bincount(y).tolist() == [5, 5, 5]
    first_zero = digits.images[digits.target == 0][0] * 255 / 16
    np.testing.assert_allclose(x[0, ..., 0], first_zero.astype(np.uint8), atol=0.5)


def test_corrupt_files_are_skipped_and_reported(digits_folder) -> None:
    root, _ = digits_folder
    (root / "1" / "broken.png").write_bytes(b"not a png at all")
    with pytest.warns(UserWarning, match="skipped 1 file"):
        data = pnb.data.from_image_folder(root, image_size=(8, 8), shuffle=False)
    assert data.files == 15 and len(data.skipped) == 1
    assert "broken.png" in data.skipped[0] and "not a decodable image" in data.skipped[0]
    x, y = data.take(15)
    assert x.shape == (15, 8, 8, 3) and np.bincount(y).tolist() == [5, 5, 5]
    with pytest.raises(DataError, match=r"broken\.png: not a decodable image"):
        pnb.data.from_image_folder(root, image_size=(8, 8), on_bad_files="error")


def test_a_canvas_previews_the_first_image(digits_folder) -> None:
    import keras

    root, _ = digits_folder
    data = pnb.data.from_image_folder(root, image_size=(8, 8), color_mode="grayscale")
    model = keras.Sequential(
        [keras.Input((8, 8, 1)), keras.layers.Rescaling(1 / 255), keras.layers.Flatten()]
    )
    canvas = pnb.Canvas(model, sample=data.dataset)
    assert canvas.errors == {} and all(p.error is None for p in canvas.previews.values())


@pytest.mark.parametrize(
    ("layout", "message"),
    [
        ({}, "no class folders"),
        ({"cats/notes.txt": b"hello"}, "no images in its class folders"),
        ({"cats/a.png": b"junk", "dogs/b.jpg": b"junk"}, "none of its 2 image file"),
    ],
)
def test_unusable_folders_are_named(tmp_path, layout, message) -> None:
    root = tmp_path / "images"
    root.mkdir()
    for name, content in layout.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(content)
    with pytest.raises(DataError, match=message):
        pnb.data.from_image_folder(root, image_size=(8, 8))


def test_a_missing_folder_and_a_bad_option_are_data_errors(tmp_path) -> None:
    with pytest.raises(DataError, match="no such folder"):
        pnb.data.from_image_folder(tmp_path / "nowhere")
    with pytest.raises(DataError, match="on_bad_files"):
        pnb.data.from_image_folder(tmp_path, on_bad_files="ignore")


def test_the_dataset_outlives_its_image_folder_object(digits_folder) -> None:
    root, _ = digits_folder
    (root / "2" / "broken.png").write_bytes(b"\x89PNG but not really")
    with pytest.warns(UserWarning):
        dataset = pnb.data.from_image_folder(root, image_size=(8, 8)).dataset
    import gc

    gc.collect()
    assert sum(int(y.shape[0]) for _, y in dataset.map(lambda x, y: (x / 255, y))) == 15
