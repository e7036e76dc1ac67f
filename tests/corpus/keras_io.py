"""Models from the Keras code examples (https://keras.io/examples/), written from their
published architecture with small shapes. Where an example defines its own layer classes without
``get_config`` (so Keras itself cannot rebuild it), the entry keeps them: perceptinb must refuse
it with a `GraphError` naming the block."""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

from corpus.entry import Entry

_IO = "https://keras.io/examples/"


def mnist_convnet() -> keras.Model:
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(8, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(16, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(10, activation="softmax"),
        ]
    )


def unet_oxford_pets(img_size=(32, 32), num_classes=3) -> keras.Model:
    inputs = keras.Input(shape=img_size + (3,))
    x = layers.Conv2D(8, 3, strides=2, padding="same")(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    previous_block_activation = x
    for filters in [16, 32]:
        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(filters, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(filters, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
        residual = layers.Conv2D(filters, 1, strides=2, padding="same")(previous_block_activation)
        x = layers.add([x, residual])
        previous_block_activation = x
    for filters in [32, 16, 8]:
        x = layers.Activation("relu")(x)
        x = layers.Conv2DTranspose(filters, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
        x = layers.Conv2DTranspose(filters, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.UpSampling2D(2)(x)
        residual = layers.UpSampling2D(2)(previous_block_activation)
        residual = layers.Conv2D(filters, 1, padding="same")(residual)
        x = layers.add([x, residual])
        previous_block_activation = x
    x = layers.Conv2D(num_classes, 3, activation="softmax", padding="same")(x)
    # The example's decoder upsamples three times after two strided blocks: crop back.
    outputs = layers.Resizing(*img_size)(x)
    return keras.Model(inputs, outputs)


class TransformerBlock(layers.Layer):
    """As in the example: a custom layer with no get_config, so Keras cannot rebuild it."""

    def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1):
        super().__init__()
        self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
        self.ffn = keras.Sequential(
            [layers.Dense(ff_dim, activation="relu"), layers.Dense(embed_dim)]
        )
        self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = layers.Dropout(rate)
        self.dropout2 = layers.Dropout(rate)

    def call(self, inputs):
        attn_output = self.dropout1(self.att(inputs, inputs))
        out1 = self.layernorm1(inputs + attn_output)
        return self.layernorm2(out1 + self.dropout2(self.ffn(out1)))


class TokenAndPositionEmbedding(layers.Layer):
    def __init__(self, maxlen, vocab_size, embed_dim):
        super().__init__()
        self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
        self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

    def call(self, x):
        positions = keras.ops.arange(start=0, stop=keras.ops.shape(x)[-1], step=1)
        return self.token_emb(x) + self.pos_emb(positions)


def transformer_text_classification(maxlen=16, vocab_size=50, embed_dim=8) -> keras.Model:
    inputs = layers.Input(shape=(maxlen,))
    x = TokenAndPositionEmbedding(maxlen, vocab_size, embed_dim)(inputs)
    x = TransformerBlock(embed_dim, 2, 16)(x)
    x = layers.GlobalAveragePooling1D()(x)
    x = layers.Dropout(0.1)(x)
    x = layers.Dense(20, activation="relu")(x)
    outputs = layers.Dense(2, activation="softmax")(layers.Dropout(0.1)(x))
    return keras.Model(inputs=inputs, outputs=outputs)


def lstm_seq2seq(num_encoder_tokens=12, num_decoder_tokens=14, latent_dim=16) -> keras.Model:
    encoder_inputs = keras.Input(shape=(None, num_encoder_tokens))
    encoder = layers.LSTM(latent_dim, return_state=True)
    encoder_outputs, state_h, state_c = encoder(encoder_inputs)
    decoder_inputs = keras.Input(shape=(None, num_decoder_tokens))
    decoder_lstm = layers.LSTM(latent_dim, return_sequences=True, return_state=True)
    decoder_outputs, _, _ = decoder_lstm(decoder_inputs, initial_state=[state_h, state_c])
    decoder_outputs = layers.Dense(num_decoder_tokens, activation="softmax")(decoder_outputs)
    return keras.Model([encoder_inputs, decoder_inputs], decoder_outputs)


def _census_frame(n=40, seed=0):
    rng = np.random.default_rng(seed)
    return {
        "age": rng.integers(18, 80, n).astype("float32"),
        "hours": rng.integers(10, 60, n).astype("float32"),
        "education": rng.choice(["hs", "college", "phd"], n),
        "occupation_code": rng.choice([3, 7, 11, 19], n).astype("int64"),
    }


def wide_and_deep_dict_inputs() -> keras.Model:
    """Wide & deep over dict inputs with adapted preprocessing (Normalization, StringLookup,
    IntegerLookup), as in the structured-data examples."""
    data = _census_frame()
    inputs = {
        "age": keras.Input(shape=(1,), name="age"),
        "hours": keras.Input(shape=(1,), name="hours"),
        "education": keras.Input(shape=(1,), name="education", dtype="string"),
        "occupation_code": keras.Input(shape=(1,), name="occupation_code", dtype="int64"),
    }
    numeric = layers.Concatenate()([inputs["age"], inputs["hours"]])
    norm = layers.Normalization()
    norm.adapt(np.stack([data["age"], data["hours"]], axis=1))
    numeric = norm(numeric)
    education = layers.StringLookup(output_mode="one_hot")
    education.adapt(data["education"])
    occupation = layers.IntegerLookup(output_mode="one_hot")
    occupation.adapt(data["occupation_code"])
    wide = layers.Concatenate()(
        [education(inputs["education"]), occupation(inputs["occupation_code"])]
    )
    wide = layers.Flatten()(wide)
    deep = layers.Concatenate()([numeric, wide])
    for units in [16, 8]:
        deep = layers.Dense(units, activation="relu")(deep)
        deep = layers.Dropout(0.2)(deep)
    merged = layers.Concatenate()([wide, deep])
    outputs = layers.Dense(1, activation="sigmoid")(merged)
    return keras.Model(inputs=inputs, outputs=outputs)


def _wide_and_deep_sample(model):
    data = _census_frame(4, seed=1)
    return {k: v.reshape(-1, 1) for k, v in data.items()}


def mlp_mixer(image_size=16, patch_size=4, embedding_dim=16, num_blocks=2) -> keras.Model:
    """MLP-Mixer with adapted input Normalization, the mixing written with Permute and Dense."""
    num_patches = (image_size // patch_size) ** 2
    inputs = keras.Input(shape=(image_size, image_size, 3))
    norm = layers.Normalization()
    norm.adapt(np.random.default_rng(0).uniform(0, 255, (16, image_size, image_size, 3)))
    x = norm(inputs)
    x = layers.Conv2D(embedding_dim, patch_size, strides=patch_size)(x)  # patches + projection
    x = layers.Reshape((num_patches, embedding_dim))(x)
    for _ in range(num_blocks):
        y = layers.LayerNormalization(epsilon=1e-6)(x)
        y = layers.Permute((2, 1))(y)
        y = layers.Dense(num_patches, activation="gelu")(y)
        y = layers.Dense(num_patches)(y)
        y = layers.Permute((2, 1))(y)
        x = layers.Add()([x, y])
        y = layers.LayerNormalization(epsilon=1e-6)(x)
        y = layers.Dense(embedding_dim, activation="gelu")(y)
        y = layers.Dense(embedding_dim)(y)
        x = layers.Add()([x, y])
    x = layers.GlobalAveragePooling1D()(x)
    x = layers.Dropout(0.2)(x)
    return keras.Model(inputs, layers.Dense(10)(x))


def _euclidean_distance(vects):
    x, y = vects
    sum_square = keras.ops.sum(keras.ops.square(x - y), axis=1, keepdims=True)
    return keras.ops.sqrt(keras.ops.maximum(sum_square, keras.backend.epsilon()))


def siamese_contrastive() -> keras.Model:
    """The example's distance is a Lambda: Keras refuses to rebuild it in safe mode."""
    input_ = layers.Input((28, 28, 1))
    x = layers.BatchNormalization()(input_)
    x = layers.Conv2D(4, (5, 5), activation="tanh")(x)
    x = layers.AveragePooling2D(pool_size=(2, 2))(x)
    x = layers.Conv2D(16, (5, 5), activation="tanh")(x)
    x = layers.AveragePooling2D(pool_size=(2, 2))(x)
    x = layers.Flatten()(x)
    x = layers.BatchNormalization()(x)
    x = layers.Dense(10, activation="tanh")(x)
    embedding_network = keras.Model(input_, x)
    input_1, input_2 = layers.Input((28, 28, 1)), layers.Input((28, 28, 1))
    tower_1, tower_2 = embedding_network(input_1), embedding_network(input_2)
    merge_layer = layers.Lambda(_euclidean_distance, output_shape=(1,))([tower_1, tower_2])
    normal_layer = layers.BatchNormalization()(merge_layer)
    output_layer = layers.Dense(1, activation="sigmoid")(normal_layer)
    return keras.Model(inputs=[input_1, input_2], outputs=output_layer)


def siamese_ops_distance() -> keras.Model:
    """The same siamese network with its distance written in keras.ops (no Lambda)."""
    tower = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(4, 5, activation="tanh"),
            layers.AveragePooling2D(2),
            layers.Flatten(),
            layers.Dense(10, activation="tanh"),
        ],
        name="embedding",
    )
    left, right = layers.Input((28, 28, 1)), layers.Input((28, 28, 1))
    a, b = tower(left), tower(right)
    distance = keras.ops.sqrt(
        keras.ops.maximum(keras.ops.sum(keras.ops.square(a - b), axis=1, keepdims=True), 1e-7)
    )
    outputs = layers.Dense(1, activation="sigmoid")(layers.BatchNormalization()(distance))
    return keras.Model([left, right], outputs)


class Sampling(layers.Layer):
    """The example's reparameterization layer (no get_config, not registered)."""

    def call(self, inputs):
        z_mean, z_log_var = inputs
        epsilon = keras.random.normal(shape=keras.ops.shape(z_mean))
        return z_mean + keras.ops.exp(0.5 * z_log_var) * epsilon


def vae_encoder(latent_dim=2) -> keras.Model:
    encoder_inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(8, 3, activation="relu", strides=2, padding="same")(encoder_inputs)
    x = layers.Conv2D(16, 3, activation="relu", strides=2, padding="same")(x)
    x = layers.Flatten()(x)
    x = layers.Dense(16, activation="relu")(x)
    z_mean = layers.Dense(latent_dim, name="z_mean")(x)
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(x)
    z = Sampling()([z_mean, z_log_var])
    return keras.Model(encoder_inputs, [z_mean, z_log_var, z], name="encoder")


def vae_decoder(latent_dim=2) -> keras.Model:
    latent_inputs = keras.Input(shape=(latent_dim,))
    x = layers.Dense(7 * 7 * 16, activation="relu")(latent_inputs)
    x = layers.Reshape((7, 7, 16))(x)
    x = layers.Conv2DTranspose(16, 3, activation="relu", strides=2, padding="same")(x)
    x = layers.Conv2DTranspose(8, 3, activation="relu", strides=2, padding="same")(x)
    decoder_outputs = layers.Conv2DTranspose(1, 3, activation="sigmoid", padding="same")(x)
    return keras.Model(latent_inputs, decoder_outputs, name="decoder")


def dqn_breakout(num_actions=4) -> keras.Model:
    inputs = layers.Input(shape=(84, 84, 4))
    layer1 = layers.Conv2D(8, 8, strides=4, activation="relu")(inputs)
    layer2 = layers.Conv2D(16, 4, strides=2, activation="relu")(layer1)
    layer3 = layers.Conv2D(16, 3, strides=1, activation="relu")(layer2)
    layer4 = layers.Flatten()(layer3)
    layer5 = layers.Dense(32, activation="relu")(layer4)
    action = layers.Dense(num_actions, activation="linear")(layer5)
    return keras.Model(inputs=inputs, outputs=action)


def actor_critic_cartpole(num_inputs=4, num_actions=2, num_hidden=32) -> keras.Model:
    inputs = layers.Input(shape=(num_inputs,))
    common = layers.Dense(num_hidden, activation="relu")(inputs)
    action = layers.Dense(num_actions, activation="softmax")(common)
    critic = layers.Dense(1)(common)
    return keras.Model(inputs=inputs, outputs=[action, critic])


def text_classification_from_scratch(max_features=50, embedding_dim=8) -> keras.Model:
    inputs = keras.Input(shape=(None,), dtype="int64")
    x = layers.Embedding(max_features, embedding_dim)(inputs)
    x = layers.Dropout(0.5)(x)
    x = layers.Conv1D(16, 3, padding="valid", activation="relu", strides=1)(x)
    x = layers.Conv1D(16, 3, padding="valid", activation="relu", strides=1)(x)
    x = layers.GlobalMaxPooling1D()(x)
    x = layers.Dense(16, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    predictions = layers.Dense(1, activation="sigmoid", name="predictions")(x)
    return keras.Model(inputs, predictions)


def end_to_end_text_model() -> keras.Model:
    """The example's export model: raw strings in, an adapted TextVectorization first."""
    vectorize = layers.TextVectorization(max_tokens=40, output_sequence_length=8)
    vectorize.adapt(["the movie was great", "a terrible film", "great acting, bad plot"])
    inputs = keras.Input(shape=(1,), dtype="string")
    x = vectorize(inputs)
    x = layers.Embedding(40, 8)(x)
    x = layers.GlobalAveragePooling1D()(x)
    return keras.Model(inputs, layers.Dense(1, activation="sigmoid")(x))


def _text_sample(model):
    return np.array([["the film was great"], ["bad plot"]])


def timeseries_transformer(input_shape=(24, 1), head_size=8, num_heads=2, ff_dim=4) -> keras.Model:
    def encoder(inputs):
        x = layers.MultiHeadAttention(key_dim=head_size, num_heads=num_heads, dropout=0.1)(
            inputs, inputs
        )
        x = layers.Dropout(0.1)(x)
        x = layers.LayerNormalization(epsilon=1e-6)(x)
        res = x + inputs
        x = layers.Conv1D(filters=ff_dim, kernel_size=1, activation="relu")(res)
        x = layers.Dropout(0.1)(x)
        x = layers.Conv1D(filters=inputs.shape[-1], kernel_size=1)(x)
        x = layers.LayerNormalization(epsilon=1e-6)(x)
        return x + res

    inputs = keras.Input(shape=input_shape)
    x = inputs
    for _ in range(2):
        x = encoder(x)
    x = layers.GlobalAveragePooling1D(data_format="channels_last")(x)
    x = layers.Dense(16, activation="relu")(x)
    x = layers.Dropout(0.1)(x)
    return keras.Model(inputs, layers.Dense(2, activation="softmax")(x))


def denoising_autoencoder() -> keras.Model:
    input_ = layers.Input(shape=(28, 28, 1))
    x = layers.Conv2D(8, (3, 3), activation="relu", padding="same")(input_)
    x = layers.MaxPooling2D((2, 2), padding="same")(x)
    x = layers.Conv2D(8, (3, 3), activation="relu", padding="same")(x)
    x = layers.MaxPooling2D((2, 2), padding="same")(x)
    x = layers.Conv2DTranspose(8, (3, 3), strides=2, activation="relu", padding="same")(x)
    x = layers.Conv2DTranspose(8, (3, 3), strides=2, activation="relu", padding="same")(x)
    x = layers.Conv2D(1, (3, 3), activation="sigmoid", padding="same")(x)
    return keras.Model(input_, x)


def dcgan_generator(latent_dim=16) -> keras.Model:
    return keras.Sequential(
        [
            keras.Input(shape=(latent_dim,)),
            layers.Dense(8 * 8 * 16),
            layers.Reshape((8, 8, 16)),
            layers.Conv2DTranspose(16, kernel_size=4, strides=2, padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Conv2DTranspose(8, kernel_size=4, strides=2, padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Conv2D(3, kernel_size=5, padding="same", activation="sigmoid"),
        ],
        name="generator",
    )


def bidirectional_lstm_imdb(max_features=50) -> keras.Model:
    inputs = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(max_features, 8)(inputs)
    x = layers.Bidirectional(layers.LSTM(8, return_sequences=True))(x)
    x = layers.Bidirectional(layers.LSTM(8))(x)
    return keras.Model(inputs, layers.Dense(1, activation="sigmoid")(x))


def transfer_learning_head() -> keras.Model:
    """The transfer-learning guide: a frozen keras.applications base under a new head, fed by
    the base's own preprocess_input (keras.ops calls with ``x[..., ::-1]``-style slicing)."""
    base_model = keras.applications.MobileNet(
        weights=None, input_shape=(32, 32, 3), alpha=0.25, include_top=False
    )
    base_model.trainable = False
    inputs = keras.Input(shape=(32, 32, 3))
    x = keras.applications.resnet50.preprocess_input(inputs)
    x = base_model(x, training=False)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(0.2)(x)
    return keras.Model(inputs, layers.Dense(1)(x))


def image_classification_from_scratch(input_shape=(32, 32, 3), num_classes=2) -> keras.Model:
    data_augmentation = keras.Sequential(
        [layers.RandomFlip("horizontal"), layers.RandomRotation(0.1)], name="augmentation"
    )
    inputs = keras.Input(shape=input_shape)
    x = data_augmentation(inputs)
    x = layers.Rescaling(1.0 / 255)(x)
    x = layers.Conv2D(16, 3, strides=2, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    previous_block_activation = x
    for size in [16, 32]:
        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(size, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(size, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
        residual = layers.Conv2D(size, 1, strides=2, padding="same")(previous_block_activation)
        x = layers.add([x, residual])
        previous_block_activation = x
    x = layers.SeparableConv2D(32, 3, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(0.25)(x)
    return keras.Model(inputs, layers.Dense(1 if num_classes == 2 else num_classes)(x))


def convmixer(image_size=16, filters=16, depth=2, kernel_size=3, patch_size=2) -> keras.Model:
    def activation_block(x):
        x = layers.Activation("gelu")(x)
        return layers.BatchNormalization()(x)

    inputs = keras.Input((image_size, image_size, 3))
    x = layers.Rescaling(scale=1.0 / 255)(inputs)
    x = activation_block(layers.Conv2D(filters, kernel_size=patch_size, strides=patch_size)(x))
    for _ in range(depth):
        x0 = x
        x = activation_block(layers.DepthwiseConv2D(kernel_size=kernel_size, padding="same")(x))
        x = layers.Add()([activation_block(x), x0])
        x = activation_block(layers.Conv2D(filters, kernel_size=1)(x))
    x = layers.GlobalAvgPool2D()(x)
    return keras.Model(inputs, layers.Dense(10, activation="softmax")(x))


def char_lstm_text_generation(maxlen=10, chars=20) -> keras.Model:
    return keras.Sequential(
        [
            keras.Input(shape=(maxlen, chars)),
            layers.LSTM(16),
            layers.Dense(chars, activation="softmax"),
        ]
    )


class RecommenderNet(keras.Model):
    """The collaborative-filtering example's model: subclassed, so it has no graph."""

    def __init__(self, num_users=10, num_movies=10, embedding_size=4):
        super().__init__()
        self.user_embedding = layers.Embedding(num_users, embedding_size)
        self.movie_embedding = layers.Embedding(num_movies, embedding_size)

    def call(self, inputs):
        user = self.user_embedding(inputs[:, 0])
        movie = self.movie_embedding(inputs[:, 1])
        return keras.ops.sigmoid(keras.ops.sum(user * movie, axis=1, keepdims=True))


def recommender_subclassed() -> keras.Model:
    model = RecommenderNet()
    model(np.zeros((1, 2), dtype="int32"))
    return model


ENTRIES = [
    Entry("io_mnist_convnet", _IO + "vision/mnist_convnet/", mnist_convnet, fast=True),
    Entry(
        "io_unet_oxford_pets",
        _IO + "vision/oxford_pets_image_segmentation/",
        unet_oxford_pets,
        fast=True,
    ),
    Entry(
        "io_transformer_text",
        _IO + "nlp/text_classification_with_transformer/",
        transformer_text_classification,
        fast=True,
    ),
    Entry("io_lstm_seq2seq", _IO + "nlp/lstm_seq2seq/", lstm_seq2seq, fast=True),
    Entry(
        "io_wide_deep_dict",
        _IO + "structured_data/wide_deep_cross_networks/",
        wide_and_deep_dict_inputs,
        fast=True,
        sample=_wide_and_deep_sample,
    ),
    Entry("io_mlp_mixer", _IO + "vision/mlp_image_classification/", mlp_mixer, fast=True),
    Entry("io_siamese_lambda", _IO + "vision/siamese_contrastive/", siamese_contrastive, fast=True),
    Entry("io_siamese_ops", _IO + "vision/siamese_contrastive/", siamese_ops_distance),
    Entry("io_vae_encoder", _IO + "generative/vae/", vae_encoder, fast=True),
    Entry("io_vae_decoder", _IO + "generative/vae/", vae_decoder),
    Entry("io_dqn_breakout", _IO + "rl/deep_q_network_breakout/", dqn_breakout),
    Entry("io_actor_critic", _IO + "rl/actor_critic_cartpole/", actor_critic_cartpole, fast=True),
    Entry(
        "io_text_cnn",
        _IO + "nlp/text_classification_from_scratch/",
        text_classification_from_scratch,
    ),
    Entry(
        "io_text_end_to_end",
        _IO + "nlp/text_classification_from_scratch/",
        end_to_end_text_model,
        fast=True,
        sample=_text_sample,
    ),
    Entry(
        "io_timeseries_transformer",
        _IO + "timeseries/timeseries_classification_transformer/",
        timeseries_transformer,
    ),
    Entry("io_denoising_autoencoder", _IO + "vision/autoencoder/", denoising_autoencoder),
    Entry("io_dcgan_generator", _IO + "generative/dcgan_overriding_train_step/", dcgan_generator),
    Entry("io_bilstm_imdb", _IO + "nlp/bidirectional_lstm_imdb/", bidirectional_lstm_imdb),
    Entry(
        "io_transfer_learning",
        "https://keras.io/guides/transfer_learning/",
        transfer_learning_head,
        fast=True,
    ),
    Entry(
        "io_image_classification",
        _IO + "vision/image_classification_from_scratch/",
        image_classification_from_scratch,
    ),
    Entry("io_convmixer", _IO + "vision/convmixer/", convmixer),
    Entry(
        "io_char_lstm",
        _IO + "generative/lstm_character_level_text_generation/",
        char_lstm_text_generation,
    ),
    Entry(
        "io_recommender_subclassed",
        _IO + "structured_data/collaborative_filtering_movielens/",
        recommender_subclassed,
        fast=True,
        sample=lambda model: np.array([[1, 2], [3, 4]], dtype="int32"),
    ),
]
