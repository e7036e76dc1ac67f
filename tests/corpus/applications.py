"""Every `keras.applications` family, random init (weights=None), small inputs where allowed.

Source: https://keras.io/api/applications/
"""

from __future__ import annotations

import keras

from corpus.entry import Entry

_URL = "https://keras.io/api/applications/"


def _app(constructor: str, side: int = 32, **kwargs):
    def build():
        return getattr(keras.applications, constructor)(
            weights=None, input_shape=(side, side, 3), classes=5, **kwargs
        )

    build.__name__ = constructor
    return build


ENTRIES = [
    Entry("app_vgg16", _URL, _app("VGG16")),
    Entry("app_vgg19", _URL, _app("VGG19")),
    Entry("app_resnet50", _URL, _app("ResNet50")),
    Entry("app_resnet101v2", _URL, _app("ResNet101V2")),
    Entry("app_densenet121", _URL, _app("DenseNet121")),
    Entry("app_mobilenet", _URL, _app("MobileNet", alpha=0.25), fast=True),
    Entry("app_mobilenetv2", _URL, _app("MobileNetV2", alpha=0.35)),
    Entry("app_mobilenetv3small", _URL, _app("MobileNetV3Small", minimalistic=True)),
    Entry("app_mobilenetv3large", _URL, _app("MobileNetV3Large")),
    Entry("app_efficientnetb0", _URL, _app("EfficientNetB0")),
    Entry("app_efficientnetv2b0", _URL, _app("EfficientNetV2B0")),
    Entry("app_convnexttiny", _URL, _app("ConvNeXtTiny")),
    Entry("app_inceptionv3", _URL, _app("InceptionV3", side=75)),
    Entry("app_inceptionresnetv2", _URL, _app("InceptionResNetV2", side=75)),
    Entry("app_xception", _URL, _app("Xception", side=71)),
    Entry("app_nasnetmobile", _URL, _app("NASNetMobile")),
]
