"""Famous CNN architectures as one-line models, with Keras' `keras.applications` API.

    from strided import applications
    base = applications.VGG16(weights="imagenet", include_top=False, input_shape=(224, 224, 3))
    base.trainable = False                      # freeze it, add a head, fit; then fine-tune

Every constructor takes `include_top`, `weights` (None, "imagenet" or a file: Keras .h5 /
.weights.h5, torchvision .pth / .safetensors), `input_tensor`, `input_shape`, `pooling`
(None / "avg" / "max"), `classes` and `classifier_activation`. Each family's module has its
`preprocess_input` and `decode_predictions` (`applications.resnet50.preprocess_input`, ...).

| model          | design            | parameters (with top) | preprocess mode |
|----------------|-------------------|-----------------------|-----------------|
| LeNet5         | LeCun 1998        | 61,706                | x / 255         |
| AlexNet        | torchvision       | 61,100,840            | torch           |
| VGG16 / VGG19  | Keras             | 138,357,544 / 143,667,240 | caffe       |
| ResNet18 / 34  | torchvision       | 11,689,512 / 21,797,672 trainable | torch |
| ResNet50 / 101 / 152 | Keras       | 25,636,712 / 44,707,176 / 60,419,944 | caffe |
| InceptionV3    | Keras             | 23,851,784            | tf              |
| MobileNetV2    | Keras             | 3,538,984             | tf              |
| EfficientNetB0 | Keras             | 5,330,571             | none (inside the model) |
"""

from strided.applications import (
    alexnet,
    efficientnet,
    imagenet_utils,
    inception_v3,
    lenet,
    mobilenet_v2,
    resnet,
    resnet50,
    resnet_basic,
    vgg16,
    vgg19,
)
from strided.applications.alexnet import AlexNet
from strided.applications.efficientnet import EfficientNetB0
from strided.applications.inception_v3 import InceptionV3
from strided.applications.lenet import LeNet5
from strided.applications.mobilenet_v2 import MobileNetV2
from strided.applications.resnet import ResNet50, ResNet101, ResNet152
from strided.applications.resnet_basic import ResNet18, ResNet34
from strided.applications.vgg import VGG16, VGG19

__all__ = [
    "VGG16",
    "VGG19",
    "AlexNet",
    "EfficientNetB0",
    "InceptionV3",
    "LeNet5",
    "MobileNetV2",
    "ResNet18",
    "ResNet34",
    "ResNet50",
    "ResNet101",
    "ResNet152",
    "alexnet",
    "efficientnet",
    "imagenet_utils",
    "inception_v3",
    "lenet",
    "mobilenet_v2",
    "resnet",
    "resnet50",
    "resnet_basic",
    "vgg16",
    "vgg19",
]

# the lessons' small models (mnist_cnn, fashion_cnn, cifar_cnn), from lessons.py
from strided.applications import lessons
from strided.applications.lessons import *  # noqa: F403  (re-exported below)

__all__ += ["lessons"] + list(lessons.__all__)
