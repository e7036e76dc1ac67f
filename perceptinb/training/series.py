"""Bounded time series for the dashboard: per-batch values downsampled as a run grows.

A long run logs millions of batches; the browser needs a few hundred points per line. A
`BatchSeries` keeps at most `capacity` points: when it fills up, neighbouring points are
averaged in pairs and each later point stands for twice as many batches. Memory therefore stays
O(capacity) for any run length, and the line keeps its shape (it is the mean of what it covers).
"""

from __future__ import annotations

import math

import numpy as np


class BatchSeries:
    """An (x, y) series of at most `capacity` points, downsampled by pairwise averaging.

    Args:
        capacity: Points kept; an even number >= 4.
    """

    __slots__ = ("_x", "_y", "_n", "_stride", "_acc_x", "_acc_y", "_acc_n", "capacity")

    def __init__(self, capacity: int = 1024) -> None:
        if capacity < 4 or capacity % 2:
            raise ValueError(f"capacity must be an even number >= 4. Received: {capacity}.")
        self.capacity = capacity
        self._x = np.empty(capacity, np.float64)
        self._y = np.empty(capacity, np.float64)
        self._n = 0
        self._stride = 1  # raw points per stored point
        self._acc_x = self._acc_y = 0.0
        self._acc_n = 0

    def append(self, x: float, y: float) -> None:
        """Adds one raw point; cheap enough for every batch (a few hundred nanoseconds)."""
        self._acc_x += x
        self._acc_y += y
        self._acc_n += 1
        if self._acc_n < self._stride:
            return
        if self._n == self.capacity:
            half = self.capacity // 2
            self._x[:half] = (self._x[0::2] + self._x[1::2]) / 2
            self._y[:half] = (self._y[0::2] + self._y[1::2]) / 2
            self._n = half
            self._stride *= 2
            if self._acc_n < self._stride:
                return  # the pending raw points now make up half of a coarser point
        self._x[self._n] = self._acc_x / self._acc_n
        self._y[self._n] = self._acc_y / self._acc_n
        self._n += 1
        self._acc_x = self._acc_y = 0.0
        self._acc_n = 0

    def __len__(self) -> int:
        return self._n + (1 if self._acc_n else 0)

    @property
    def stride(self) -> int:
        """How many raw points each stored point averages."""
        return self._stride

    def arrays(self, dtype: type = np.float32) -> tuple[np.ndarray, np.ndarray]:
        """Copies of x and y, including the partially filled last point."""
        x, y = self._x[: self._n], self._y[: self._n]
        if self._acc_n:
            x = np.append(x, self._acc_x / self._acc_n)
            y = np.append(y, self._acc_y / self._acc_n)
        return x.astype(dtype), y.astype(dtype)

    def nbytes(self) -> int:
        return self._x.nbytes + self._y.nbytes


class Smoother:
    """Debiased exponential moving average, as TensorBoard smooths scalars.

    Args:
        weight: 0 (no smoothing) to < 1 (heavy smoothing).
    """

    __slots__ = ("weight", "_value", "_debias")

    def __init__(self, weight: float = 0.8) -> None:
        if not 0 <= weight < 1:
            raise ValueError(f"weight must be in [0, 1). Received: {weight}.")
        self.weight = weight
        self._value = 0.0
        self._debias = 1.0

    def __call__(self, value: float) -> float:
        self._value = self.weight * self._value + (1 - self.weight) * value
        self._debias *= self.weight
        return self._value / (1 - self._debias)


class BatchValues:
    """Turns Keras' per-batch logs back into per-batch values.

    Keras reports, after each batch, the running mean of a metric since the epoch began. For
    mean-type metrics (the loss, accuracy, MAE...) the batch's own value is recovered from two
    consecutive running means; other metrics (AUC, precision...) are not means of batch values,
    so their running value is used as it is.
    """

    __slots__ = ("_last_mean", "_last_count", "recoverable")

    def __init__(self, recoverable: bool) -> None:
        self.recoverable = recoverable
        self._last_mean = 0.0
        self._last_count = 0

    def new_epoch(self) -> None:
        self._last_mean = 0.0
        self._last_count = 0

    def __call__(self, running_mean: float, count: int) -> float:
        """`count` is the number of batches the running mean covers (end_step + 1)."""
        if not self.recoverable or count <= self._last_count:
            value = running_mean
        else:
            total = running_mean * count - self._last_mean * self._last_count
            value = total / (count - self._last_count)
        self._last_mean, self._last_count = running_mean, count
        return value


def finite(value: float) -> bool:
    return not (math.isnan(value) or math.isinf(value))
