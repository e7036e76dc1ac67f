"""keras_message: one cleaner for the errors Keras and TensorFlow raise, on real errors."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from perceptinb.keras_errors import keras_message


def _raised(action) -> BaseException:
    with pytest.raises(Exception) as info:
        action()
    return info.value


def test_from_config_error_keeps_the_reason_not_the_config_dump():
    config = {**keras.layers.Dense(3).get_config(), "units": -1}
    error = _raised(lambda: keras.layers.Dense.from_config(config))
    assert "kernel_initializer" in str(error)  # Keras dumps the whole config first
    assert keras_message(error) == (
        "Received an invalid value for `units`, expected a positive integer. Received: units=-1"
    )


def test_call_error_loses_the_call_boilerplate_and_argument_dump():
    class Broken(keras.layers.Layer):
        def call(self, x):
            raise ValueError("\x1b[1mthis layer cannot run\x1b[0m")

    error = _raised(lambda: Broken(name="broken")(np.zeros((1, 2), "float32")))
    assert "Exception encountered when calling" in str(error)
    assert keras_message(error) == "this layer cannot run"


def test_a_python_error_in_a_tf_data_pipeline_names_its_own_cause():
    def rows():
        yield np.zeros(2)
        raise ValueError("corrupt record 7")

    spec = tf.TensorSpec((2,), tf.float64)
    dataset = tf.data.Dataset.from_generator(rows, output_signature=spec)
    error = _raised(lambda: list(dataset))
    assert "Traceback" in str(error)
    assert keras_message(error, with_type=True) == "ValueError: corrupt record 7"


def test_type_prefix_length_limit_and_empty_messages():
    assert keras_message(KeyError("k"), with_type=True) == "KeyError: 'k'"
    assert keras_message(RuntimeError()) == "RuntimeError"
    assert keras_message(RuntimeError(), with_type=True) == "RuntimeError: "
    long = keras_message(ValueError("x" * 5000), limit=100)
    assert long == "x" * 100 + "..."
