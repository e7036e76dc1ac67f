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
            "hub_electra",
            _URL + "electra/electra_backbone/",
            _hub(
                "ElectraBackbone",
                vocab_size=50,
                num_layers=1,
                num_heads=2,
                hidden_dim=16,
                embedding_dim=16,
                intermediate_dim=32,
                max_sequence_length=16,
            ),
        ),
        Entry(
            "hub_deberta_v3",
            _URL + "deberta_v3/deberta_v3_backbone/",
            _hub("DebertaV3Backbone", num_heads=2, max_sequence_length=16, bucket_size=8, **_TEXT),
        ),
        Entry(
            "hub_xlm_roberta",
            _URL + "xlm_roberta/xlm_roberta_backbone/",
            _hub("XLMRobertaBackbone", num_heads=2, max_sequence_length=16, **_TEXT),
        ),
        Entry(
            "hub_mistral",
            _URL + "mistral/mistral_backbone/",
            _hub("MistralBackbone", num_query_heads=2, num_key_value_heads=1, **_TEXT),
        ),
        Entry(
            "hub_qwen",
            _URL + "qwen/qwen_backbone/",
            _hub("QwenBackbone", num_query_heads=2, num_key_value_heads=1, **_TEXT),
        ),
        Entry(
            "hub_phi3",
            _URL + "phi3/phi3_backbone/",
            _hub("Phi3Backbone", num_query_heads=2, num_key_value_heads=1, **_TEXT),
        ),
        Entry(
            "hub_bloom", _URL + "bloom/bloom_backbone/", _hub("BloomBackbone", num_heads=2, **_TEXT)
        ),
        Entry(
            "hub_falcon",
            _URL + "falcon/falcon_backbone/",
            _hub("FalconBackbone", num_attention_heads=2, **_TEXT),
        ),
        Entry(
            "hub_gpt_neox",
            _URL + "gpt_neo_x/gpt_neo_x_backbone/",
            _hub("GPTNeoXBackbone", num_heads=2, max_sequence_length=16, **_TEXT),
            gap="keras-hub 0.32: GPTNeoXDecoder.get_config() returns decoder_sequence_shape, "
            "which its constructor rejects, so the layer cannot be rebuilt from its settings",
            gap_block="transformer_layer_0",
        ),
        Entry(
            "hub_t5",
            _URL + "t5/t5_backbone/",
            _hub(
                "T5Backbone",
                vocabulary_size=50,
                num_layers=1,
                num_heads=2,
                hidden_dim=16,
                intermediate_dim=32,
            ),
        ),
        Entry(
            "hub_bart",
            _URL + "bart/bart_backbone/",
            _hub("BartBackbone", num_heads=2, max_sequence_length=16, **_TEXT),
        ),
        Entry(
            "hub_whisper",
            _URL + "whisper/whisper_backbone/",
            _hub(
                "WhisperBackbone",
                num_heads=2,
                max_encoder_sequence_length=32,
                max_decoder_sequence_length=16,
                **_TEXT,
            ),
        ),
        Entry(
            "hub_dinov2",
            _URL + "dinov2/dinov2_backbone/",
            _hub(
                "DINOV2Backbone",
                patch_size=8,
                num_layers=1,
                hidden_dim=16,
                num_heads=2,
                intermediate_dim=32,
                image_shape=(32, 32, 3),
            ),
        ),
        Entry(
            "hub_densenet",
            _URL + "densenet/densenet_backbone/",
            _hub("DenseNetBackbone", stackwise_num_repeats=[1, 1], image_shape=(32, 32, 3)),
        ),
        Entry(
            "hub_efficientnet",
            _URL + "efficientnet/efficientnet_backbone/",
            _hub(
                "EfficientNetBackbone",
                width_coefficient=0.1,
                depth_coefficient=0.1,
                stackwise_kernel_sizes=[3],
                stackwise_num_repeats=[1],
                stackwise_input_filters=[8],
                stackwise_output_filters=[8],
                stackwise_expansion_ratios=[1],
                stackwise_squeeze_and_excite_ratios=[0.25],
                stackwise_strides=[1],
                stackwise_block_types=["v1"],
                stackwise_force_input_filters=[0],
                stackwise_nores_option=[False],
                include_stem_padding=True,
                image_shape=(32, 32, 3),
            ),
        ),
        Entry(
            "hub_swin",
            _URL + "swin_transformer/swin_transformer_backbone/",
            _hub(
                "SwinTransformerBackbone",
                image_shape=(32, 32, 3),
                patch_size=4,
                embed_dim=8,
                depths=[1, 1],
                num_heads=[1, 2],
                window_size=4,
            ),
            gap="keras-hub 0.32: PatchEmbedding.get_config() calls get_config on its norm_layer "
            "class instead of an instance, so its settings cannot be read",
            gap_block="patch_embedding",
        ),
        Entry(
            "hub_mit",
            _URL + "mit/mit_backbone/",
            _hub(
                "MiTBackbone",
                layerwise_depths=[1, 1],
                num_layers=2,
                layerwise_num_heads=[1, 2],
                layerwise_sr_ratios=[2, 1],
                max_drop_path_rate=0.0,
                layerwise_patch_sizes=[7, 3],
                layerwise_strides=[4, 2],
                hidden_dims=[8, 16],
                image_shape=(32, 32, 3),
            ),
            gap="keras-hub 0.32: HierarchicalTransformerEncoder.get_config() returns its mlp "
            "sublayer, which its constructor rejects, so the layer cannot be rebuilt",
            gap_block="hierarchical_encoder_0_0",
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
