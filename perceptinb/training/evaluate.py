"""Test metrics from predictions, in plain numpy (they agree with scikit-learn's).

Classification: confusion matrix, per-class precision / recall / F1 / support, accuracy, top-k
accuracy, macro averages. Regression: MAE, RMSE, R². `TestResult` keeps the numbers and shows
the test view.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


def infer_task(y_true: np.ndarray, y_pred: np.ndarray) -> str:
    """"classification" when the targets are class indices or one-hot rows matching a K-way
    output (or 0/1 against one output unit in [0, 1]); otherwise "regression"."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    width = y_pred.shape[-1] if y_pred.ndim > 1 else 1
    integer = y_true.size > 0 and bool(np.all(np.mod(y_true, 1) == 0))
    if width > 1 and integer:
        if y_true.ndim == 1 or (y_true.ndim == 2 and y_true.shape[1] == 1):
            return "classification" if y_true.min() >= 0 and y_true.max() < width else "regression"
        if y_true.shape == y_pred.shape and set(np.unique(y_true).tolist()) <= {0, 1}:
            return "classification"
    if width == 1 and integer and set(np.unique(y_true).tolist()) <= {0, 1}:
        if y_pred.size and y_pred.min() >= 0 and y_pred.max() <= 1:
            return "classification"
    return "regression"


def class_scores(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(integer labels, score matrix n×K); one sigmoid unit becomes [1-p, p]."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred, np.float64)
    if y_pred.ndim == 1 or y_pred.shape[-1] == 1:
        p = y_pred.reshape(-1)
        scores = np.stack([1 - p, p], axis=1)
    else:
        scores = y_pred.reshape(len(y_pred), -1)
    if y_true.ndim == 2 and y_true.shape[1] == scores.shape[1] and scores.shape[1] > 1:
        labels = np.argmax(y_true, axis=1)
    else:
        labels = y_true.reshape(-1).astype(np.int64)
    return labels, scores


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, n_classes: int) -> np.ndarray:
    """Rows: true class; columns: predicted class."""
    matrix = np.zeros((n_classes, n_classes), np.int64)
    np.add.at(matrix, (labels, predicted), 1)
    return matrix


def precision_recall_f1(matrix: np.ndarray) -> dict[str, np.ndarray]:
    """Per class; 0 where undefined (scikit-learn's zero_division=0)."""
    tp = np.diag(matrix).astype(np.float64)
    predicted = matrix.sum(axis=0).astype(np.float64)
    support = matrix.sum(axis=1).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted > 0, tp / predicted, 0.0)
        recall = np.where(support > 0, tp / support, 0.0)
        denominator = precision + recall
        f1 = np.where(denominator > 0, 2 * precision * recall / denominator, 0.0)
    return {"precision": precision, "recall": recall, "f1": f1, "support": support}


def top_k_accuracy(labels: np.ndarray, scores: np.ndarray, k: int) -> float:
    """Share of samples whose true class is among the k highest scores (ties broken like
    scikit-learn: a stable sort, higher class index first)."""
    if k >= scores.shape[1]:
        return 1.0
    order = np.argsort(scores, axis=1, kind="mergesort")[:, ::-1][:, :k]
    return float(np.mean(np.any(order == labels[:, None], axis=1)))


def classification_metrics(
    y_true: Any, y_pred: Any, *, top_k: int = 3, class_names: list[str] | None = None
) -> dict[str, Any]:
    labels, scores = class_scores(y_true, y_pred)
    n_classes = scores.shape[1]
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(
            f"Labels must be in [0, {n_classes}) for a {n_classes}-way output. "
            f"Received labels from {labels.min()} to {labels.max()}."
        )
    predicted = np.argmax(scores, axis=1)
    matrix = confusion_matrix(labels, predicted, n_classes)
    per_class = precision_recall_f1(matrix)
    k = max(1, min(top_k, n_classes))
    names = list(class_names) if class_names is not None else [str(i) for i in range(n_classes)]
    if len(names) != n_classes:
        raise ValueError(f"class_names has {len(names)} names for {n_classes} classes.")
    return {
        "accuracy": float(np.mean(predicted == labels)) if labels.size else float("nan"),
        f"top_{k}_accuracy": top_k_accuracy(labels, scores, k),
        "top_k": k,
        "macro_precision": float(per_class["precision"].mean()),
        "macro_recall": float(per_class["recall"].mean()),
        "macro_f1": float(per_class["f1"].mean()),
        "confusion_matrix": matrix,
        "precision": per_class["precision"],
        "recall": per_class["recall"],
        "f1": per_class["f1"],
        "support": per_class["support"].astype(np.int64),
        "class_names": names,
        "samples": int(labels.size),
    }


def regression_metrics(y_true: Any, y_pred: Any) -> dict[str, Any]:
    t = np.asarray(y_true, np.float64).reshape(len(y_true), -1)
    p = np.asarray(y_pred, np.float64).reshape(len(y_pred), -1)
    if t.shape != p.shape:
        raise ValueError(f"y and predictions differ in shape: {t.shape} vs {p.shape}.")
    error = p - t
    ss_res = (error**2).sum(axis=0)
    ss_tot = ((t - t.mean(axis=0)) ** 2).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        # scikit-learn: R² = 1 for a perfect fit of a constant target, 0 otherwise.
        r2 = np.where(ss_tot > 0, 1 - ss_res / ss_tot, np.where(ss_res == 0, 1.0, 0.0))
    return {
        "mae": float(np.abs(error).mean()),
        "rmse": float(np.sqrt((error**2).mean())),
        "r2": float(r2.mean()),
        "samples": int(t.shape[0]),
        "y_true": t,
        "y_pred": p,
    }


@dataclass
class TestResult:
    """The outcome of `Run.test`: `metrics` (see `classification_metrics` /
    `regression_metrics`), `task`, the raw `predictions` and the `view` widget."""

    task: str
    metrics: dict[str, Any]
    predictions: np.ndarray
    epoch: int = 0
    view: Any = field(default=None, repr=False)

    __test__ = False  # not a pytest test class

    def summary(self) -> dict[str, float]:
        """The headline numbers only."""
        keys = (
            ("accuracy", f"top_{self.metrics.get('top_k')}_accuracy", "macro_precision",
             "macro_recall", "macro_f1")
            if self.task == "classification"
            else ("mae", "rmse", "r2")
        )
        return {k: float(self.metrics[k]) for k in keys if k in self.metrics}

    def __repr__(self) -> str:
        numbers = ", ".join(f"{k}={v:.4g}" for k, v in self.summary().items())
        samples = self.metrics["samples"]
        return f"<perceptinb.TestResult {self.task}: {numbers} on {samples} samples>"

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        if self.view is None:
            return {"text/plain": repr(self)}
        return self.view._repr_mimebundle_(**kwargs)


def evaluate(
    model: Any,
    x: Any,
    y: Any,
    *,
    task: str = "auto",
    top_k: int = 3,
    class_names: list[str] | None = None,
    batch_size: int = 256,
) -> tuple[str, dict[str, Any], np.ndarray]:
    """Predict `x` with `model` and score against `y` (what `Run.test` computes).

    Args:
        x, y: Test inputs and targets (arrays or a DataFrame; ``y`` may name a column).
        task: "classification", "regression" or "auto" (from the targets and outputs).
        top_k: k of the top-k accuracy.
        class_names: Labels for the classes (default: 0, 1, ...).

    Returns:
        ``(task, metrics, predictions)``.

    Raises:
        TypeError: no targets. ValueError: an unknown `task`.
    """
    import keras

    from perceptinb.training.data import to_arrays

    if task not in ("auto", "classification", "regression"):
        raise ValueError(f"task must be 'auto', 'classification' or 'regression'. "
                         f"Received: {task!r}.")
    if isinstance(y, str):
        x, y = x.drop(columns=[y]), x[y]
    x, y = to_arrays(x), to_arrays(y)
    if y is None:
        raise TypeError("Run.test needs targets: pass y.")
    predictions = model.predict(x, batch_size=batch_size, verbose=0)
    predictions = np.asarray(keras.tree.flatten(predictions)[0])
    y = np.asarray(keras.tree.flatten(y)[0])
    if task == "auto":
        task = infer_task(y, predictions)
    if task == "classification":
        metrics = classification_metrics(y, predictions, top_k=top_k, class_names=class_names)
    else:
        metrics = regression_metrics(y, predictions)
    return task, metrics, predictions
