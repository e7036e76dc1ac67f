"""Real data in: tables from CSV files and images from class folders.

``pnb.data.from_csv(path, target="species")`` and ``pnb.data.from_image_folder(path,
image_size=(64, 64))`` read a user's own files into arrays and datasets a Keras model takes. A
file that cannot be used gets a `DataError` naming the file, the row or the column; rows and
files that are skipped on request are listed in the result's ``skipped``.

Importing this package imports neither pandas nor TensorFlow: each reader loads its library
when called.
"""

from perceptinb.data.errors import DataError
from perceptinb.data.images import ImageFolder, from_image_folder
from perceptinb.data.tables import Table, from_csv

__all__ = ["DataError", "ImageFolder", "Table", "from_csv", "from_image_folder"]
