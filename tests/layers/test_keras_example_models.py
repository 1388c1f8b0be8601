"""Two public Keras 3 example models built from the same source by Keras and by strided (only
the module objects differ, as `import strided as keras` would do): keras.io's "3D image
classification from CT scans" CNN and "Image classification with Vision Transformer". The
parameter counts equal Keras', and a short training on small random data lowers the loss."""

import numpy as np

import strided

from ._keras_pairs import keras

RNG = np.random.default_rng(0)


def ct_scan_model(keras, layers, width=46, height=46, depth=46):
    """keras.io/examples/vision/3D_image_classification: get_model (volumes reduced to 46^3, the
    smallest that survives its four valid convolutions and poolings)."""
    inputs = keras.Input((width, height, depth, 1))
    x = layers.Conv3D(filters=64, kernel_size=3, activation="relu")(inputs)
    x = layers.MaxPool3D(pool_size=2)(x)
    x = layers.BatchNormalization()(x)
    x = layers.Conv3D(filters=64, kernel_size=3, activation="relu")(x)
    x = layers.MaxPool3D(pool_size=2)(x)
    x = layers.BatchNormalization()(x)
    x = layers.Conv3D(filters=128, kernel_size=3, activation="relu")(x)
    x = layers.MaxPool3D(pool_size=2)(x)
    x = layers.BatchNormalization()(x)
    x = layers.Conv3D(filters=256, kernel_size=3, activation="relu")(x)
    x = layers.MaxPool3D(pool_size=2)(x)
    x = layers.BatchNormalization()(x)
    x = layers.GlobalAveragePooling3D()(x)
    x = layers.Dense(units=512, activation="relu")(x)
    x = layers.Dropout(0.3)(x)
    outputs = layers.Dense(units=1, activation="sigmoid")(x)
    return keras.Model(inputs, outputs, name="3dcnn")


def vit_classifier(keras, layers, ops, image_size=16, patch_size=4, projection_dim=16, num_heads=2,
                   transformer_layers=2, num_classes=3):
    """keras.io/examples/vision/image_classification_with_vision_transformer (sizes reduced)."""
    num_patches = (image_size // patch_size) ** 2
    transformer_units = [projection_dim * 2, projection_dim]

    def mlp(x, hidden_units, dropout_rate):
        for units in hidden_units:
            x = layers.Dense(units, activation=keras.activations.gelu)(x)
            x = layers.Dropout(dropout_rate)(x)
        return x

    class Patches(layers.Layer):
        def __init__(self, patch_size):
            super().__init__()
            self.patch_size = patch_size

        def call(self, images):
            input_shape = ops.shape(images)
            batch_size, height, width, channels = input_shape[0], input_shape[1], input_shape[2], input_shape[3]
            num_patches_h = height // self.patch_size
            num_patches_w = width // self.patch_size
            patches = keras.ops.image.extract_patches(images, size=self.patch_size)
            return ops.reshape(patches, (batch_size, num_patches_h * num_patches_w,
                                         self.patch_size * self.patch_size * channels))

    class PatchEncoder(layers.Layer):
        def __init__(self, num_patches, projection_dim):
            super().__init__()
            self.num_patches = num_patches
            self.projection = layers.Dense(units=projection_dim)
            self.position_embedding = layers.Embedding(input_dim=num_patches, output_dim=projection_dim)

        def call(self, patch):
            positions = ops.expand_dims(ops.arange(start=0, stop=self.num_patches, step=1), axis=0)
            projected_patches = self.projection(patch)
            return projected_patches + self.position_embedding(positions)

    inputs = keras.Input(shape=(image_size, image_size, 3))
    patches = Patches(patch_size)(inputs)
    encoded_patches = PatchEncoder(num_patches, projection_dim)(patches)
    for _ in range(transformer_layers):
        x1 = layers.LayerNormalization(epsilon=1e-6)(encoded_patches)
        attention_output = layers.MultiHeadAttention(num_heads=num_heads, key_dim=projection_dim, dropout=0.1)(x1, x1)
        x2 = layers.Add()([attention_output, encoded_patches])
        x3 = layers.LayerNormalization(epsilon=1e-6)(x2)
        x3 = mlp(x3, hidden_units=transformer_units, dropout_rate=0.1)
        encoded_patches = layers.Add()([x3, x2])
    representation = layers.LayerNormalization(epsilon=1e-6)(encoded_patches)
    representation = layers.Flatten()(representation)
    representation = layers.Dropout(0.5)(representation)
    features = mlp(representation, hidden_units=[32, 16], dropout_rate=0.5)
    logits = layers.Dense(num_classes)(features)
    return keras.Model(inputs=inputs, outputs=logits)


def test_ct_scan_cnn_counts_equal_keras_and_trains():
    strided.utils.set_random_seed(0)
    model = ct_scan_model(strided, strided.layers)
    assert model.count_params() == ct_scan_model(keras, keras.layers).count_params()
    model.compile(loss="binary_crossentropy", optimizer=strided.optimizers.Adam(1e-3), metrics=["acc"])
    volumes = RNG.normal(size=(1, 46, 46, 46, 1)).astype("float32")  # one scan keeps the test quick
    labels = np.array([1.0], dtype="float32")
    history = model.fit(volumes, labels, batch_size=1, epochs=2, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.predict(volumes, verbose=0).shape == (1, 1)


def test_vision_transformer_counts_equal_keras_and_trains():
    strided.utils.set_random_seed(0)
    model = vit_classifier(strided, strided.layers, strided.ops)
    assert model.count_params() == vit_classifier(keras, keras.layers, keras.ops).count_params()
    model.compile(optimizer=strided.optimizers.Adam(3e-3),
                  loss=strided.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    images = RNG.normal(size=(24, 16, 16, 3)).astype("float32")
    labels = RNG.integers(0, 3, size=24)
    images[labels == 1, :8] += 1.0
    images[labels == 2, 8:] -= 1.0
    before = model.evaluate(images, labels, verbose=0)[0]
    model.fit(images, labels, batch_size=8, epochs=6, verbose=0)
    assert model.evaluate(images, labels, verbose=0)[0] < before
