"""Test metrics agree with scikit-learn on the same predictions; the test view shows them."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm
from training_helpers import digits, digits_cnn

import perceptinb as pnb
from perceptinb.training.evaluate import (
    classification_metrics,
    infer_task,
    regression_metrics,
    top_k_accuracy,
)


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_classification_metrics_match_scikit_learn(seed):
    rng = np.random.default_rng(seed)
    n, k = 400, 7
    labels = rng.integers(0, k, n)
    logits = rng.normal(size=(n, k)) + 2.5 * np.eye(k)[labels] * rng.random((n, 1))
    logits[:, 6] -= 50  # class 6 is never predicted: precision 0/0 -> 0, as zero_division=0
    scores = _softmax(logits)
    predicted = scores.argmax(axis=1)
    m = classification_metrics(labels, scores, top_k=3)
    labels_all = list(range(k))
    np.testing.assert_array_equal(
        m["confusion_matrix"], skm.confusion_matrix(labels, predicted, labels=labels_all))
    p, r, f, s = skm.precision_recall_fscore_support(
        labels, predicted, labels=labels_all, zero_division=0)
    np.testing.assert_allclose(m["precision"], p)
    np.testing.assert_allclose(m["recall"], r)
    np.testing.assert_allclose(m["f1"], f)
    np.testing.assert_array_equal(m["support"], s)
    assert m["precision"][6] == 0 and m["recall"][6] == 0
    assert m["accuracy"] == pytest.approx(skm.accuracy_score(labels, predicted))
    assert m["top_3_accuracy"] == pytest.approx(
        skm.top_k_accuracy_score(labels, scores, k=3, labels=labels_all))
    assert m["macro_f1"] == pytest.approx(
        skm.f1_score(labels, predicted, average="macro", labels=labels_all, zero_division=0))
    # One-hot targets give the same numbers as integer labels.
    onehot = np.eye(k)[labels]
    m2 = classification_metrics(onehot, scores, top_k=3)
    np.testing.assert_array_equal(m2["confusion_matrix"], m["confusion_matrix"])


def test_top_k_breaks_ties_like_scikit_learn():
    scores = np.array([[0.5, 0.5, 0.0], [0.2, 0.4, 0.4], [1 / 3, 1 / 3, 1 / 3]])
    labels = np.array([0, 1, 0])
    for k in (1, 2):
        assert top_k_accuracy(labels, scores, k) == pytest.approx(
            skm.top_k_accuracy_score(labels, scores, k=k, labels=[0, 1, 2]))


def test_binary_sigmoid_output_is_two_classes():
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 2, 200)
    p = np.clip(labels * 0.6 + rng.random(200) * 0.5, 0, 1)
    assert infer_task(labels, p[:, None]) == "classification"
    m = classification_metrics(labels, p[:, None], top_k=1)
    predicted = (p > 0.5).astype(int)
    np.testing.assert_array_equal(m["confusion_matrix"], skm.confusion_matrix(labels, predicted))
    assert m["accuracy"] == pytest.approx(skm.accuracy_score(labels, predicted))


def test_regression_metrics_match_scikit_learn():
    rng = np.random.default_rng(4)
    y = rng.normal(size=(300, 2))
    pred = y + rng.normal(scale=0.3, size=y.shape)
    m = regression_metrics(y, pred)
    assert m["mae"] == pytest.approx(skm.mean_absolute_error(y, pred))
    assert m["rmse"] == pytest.approx(np.sqrt(skm.mean_squared_error(y, pred)))
    assert m["r2"] == pytest.approx(skm.r2_score(y, pred))
    flat = regression_metrics(y[:, 0], pred[:, :1])
    assert flat["r2"] == pytest.approx(skm.r2_score(y[:, 0], pred[:, 0]))
    const = regression_metrics(np.ones(5), np.ones((5, 1)))
    assert const["r2"] == skm.r2_score(np.ones(5), np.ones(5)) == 1.0


def test_task_inference():
    assert infer_task(np.array([0, 3, 9]), np.zeros((3, 10))) == "classification"
    assert infer_task(np.eye(4), np.zeros((4, 4))) == "classification"
    assert infer_task(np.array([0.5, 1.2]), np.zeros((2, 1))) == "regression"
    assert infer_task(np.array([12, 3]), np.zeros((2, 10))) == "regression"  # out of range
    assert infer_task(np.array([0, 1]), np.array([[3.0], [-2.0]])) == "regression"


def test_run_test_agrees_with_scikit_learn_and_is_kept_on_the_run():
    x, y = digits(420)
    run = pnb.train(digits_cnn(), x[:320], y[:320], epochs=3, display=False).wait(timeout=120)
    assert run.status == "complete"
    result = run.test(x[320:], y[320:], top_k=2)
    assert run.tests == [result] and result.task == "classification" and result.epoch == 3
    scores = run.model.predict(x[320:], verbose=0)
    predicted = scores.argmax(axis=1)
    assert result.metrics["accuracy"] == pytest.approx(skm.accuracy_score(y[320:], predicted))
    assert result.metrics["top_2_accuracy"] == pytest.approx(
        skm.top_k_accuracy_score(y[320:], scores, k=2, labels=list(range(10))))
    np.testing.assert_array_equal(
        result.metrics["confusion_matrix"],
        skm.confusion_matrix(y[320:], predicted, labels=list(range(10))))
    view = result.view
    assert "pnb-test-view" in view._dom_classes
    table = view.table.table
    assert len(table["rows"]) == 10 and table["columns"][:4] == ["class", "precision", "recall",
                                                                 "F1"]
    assert "accuracy" in repr(result) and set(result.summary()) >= {"accuracy", "macro_f1"}
    # Regression on the same run: MAE etc. of the predicted probability of class 0.
    target = (y[320:] == 0).astype("float32")
    reg = run.test(x[320:], np.stack([target] * 10, axis=1) * 0.5, task="regression")
    assert reg.task == "regression" and "pnb-test-regression" in reg.view._dom_classes
    assert reg.metrics["mae"] == pytest.approx(
        skm.mean_absolute_error(np.stack([target] * 10, axis=1) * 0.5, scores), rel=1e-5)
    with pytest.raises(ValueError, match="task must be"):
        run.test(x[320:], y[320:], task="ranking")
