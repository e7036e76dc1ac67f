"""The functional backbones of keras-hub, randomly initialized with small configs.

keras-hub's backbones are `keras.Model` subclasses built with the functional API: their
``get_config`` holds constructor arguments, while perceptinb imports the layer graph they
build. Source: https://keras.io/keras_hub/api/ (each class's page lists the arguments used).
"""

from __future__ import annotations

import importlib.util

from corpus.entry import Entry

_URL = "https://keras.io/keras_hub/api/models/"
_TEXT = dict(vocabulary_size=50, num_layers=1, hidden_dim=16, intermediate_dim=32)


def _hub(class_name: str, **kwargs):
    def build():
        import keras_hub

        return getattr(keras_hub.models, class_name)(**kwargs)

    build.__name__ = class_name
    return build


def entries() -> list[Entry]:
    """The keras-hub entries; none when keras-hub is not installed (it is in the test extra)."""
    if importlib.util.find_spec("keras_hub") is None:
        return []
    return [
        Entry(
            "hub_bert",
            _URL + "bert/bert_backbone/",
            _hub("BertBackbone", num_heads=2, max_sequence_length=16, **_TEXT),
            fast=True,
        ),
        Entry(
            "hub_gpt2",
            _URL + "gpt2/gpt2_backbone/",
            _hub("GPT2Backbone", num_heads=2, max_sequence_length=16, **_TEXT),
        ),
        Entry(
            "hub_distilbert",
            _URL + "distil_bert/distil_bert_backbone/",
            _hub("DistilBertBackbone", num_heads=2, max_sequence_length=16, **_TEXT),
        ),
        Entry(
            "hub_roberta",
            _URL + "roberta/roberta_backbone/",
            _hub("RobertaBackbone", num_heads=2, max_sequence_length=16, **_TEXT),
        ),
        Entry(
            "hub_albert",
            _URL + "albert/albert_backbone/",
            _hub(
                "AlbertBackbone",
                num_heads=2,
                embedding_dim=8,
                num_groups=1,
                num_inner_repetitions=1,
                max_sequence_length=16,
                **_TEXT,
            ),
        ),
        Entry(
            "hub_fnet",
            _URL + "f_net/f_net_backbone/",
            _hub("FNetBackbone", max_sequence_length=16, **_TEXT),
        ),
        Entry(
            "hub_opt",
            _URL + "opt/opt_backbone/",
            _hub("OPTBackbone", num_heads=2, max_sequence_length=16, **_TEXT),
        ),
        Entry(
            "hub_llama",
            _URL + "llama/llama_backbone/",
            _hub("LlamaBackbone", num_query_heads=2, num_key_value_heads=1, **_TEXT),
            gap="keras-hub 0.32: LlamaTransformerDecoder.get_config() raises AttributeError "
            "(no rope_scaling_factor), so its settings cannot be read; Keras rebuilds the "
            "backbone from its constructor arguments instead",
            gap_block="transformer_layer_0",
        ),
        Entry(
            "hub_gemma",
            _URL + "gemma/gemma_backbone/",
            _hub("GemmaBackbone", num_query_heads=2, num_key_value_heads=1, head_dim=8, **_TEXT),
        ),
        Entry(
            "hub_vit",
            _URL + "vit/vit_backbone/",
            _hub(
                "ViTBackbone",
                image_shape=(32, 32, 3),
                patch_size=8,
                num_layers=1,
                num_heads=2,
                hidden_dim=16,
                mlp_dim=32,
            ),
            gap="keras-hub 0.32: ViTPatchingAndEmbedding.get_config() returns num_patches and "
            "num_positions, which its constructor rejects, so the layer cannot be rebuilt from "
            "its settings",
            gap_block="vit_patching_and_embedding",
        ),
        Entry(
            "hub_resnet",
            _URL + "resnet/resnet_backbone/",
            _hub(
                "ResNetBackbone",
                input_conv_filters=[64],
                input_conv_kernel_sizes=[3],
                stackwise_num_filters=[64, 64],
                stackwise_num_blocks=[1, 1],
                stackwise_num_strides=[1, 2],
                block_type="basic_block",
                image_shape=(32, 32, 3),
            ),
        ),
        Entry(
            "hub_vgg",
            _URL + "vgg/vgg_backbone/",
            _hub(
                "VGGBackbone",
                stackwise_num_repeats=[1, 1],
                stackwise_num_filters=[8, 16],
                image_shape=(32, 32, 3),
            ),
        ),
    ]
