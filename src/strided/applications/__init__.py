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
| EfficientNetB1 ... B7 | Keras      | 7,856,239 ... 66,658,687 | none (inside the model) |
| EfficientNetV2B0 ... B3, S, M, L | Keras | 7,200,312 ... 119,027,848 | none (inside) |
| Xception       | Keras             | 22,910,480            | tf              |
| DenseNet121 / 169 / 201 | Keras    | 8,062,504 / 14,307,880 / 20,242,984 | torch |
| ResNet50V2 / 101V2 / 152V2 | Keras | 25,613,800 / 44,675,560 / 60,380,648 | tf |
| MobileNet      | Keras             | 4,253,864             | tf              |
| MobileNetV3Small / Large | Keras   | 2,554,968 / 5,507,432 | none (inside the model) |
| ConvNeXtTiny ... XLarge | Keras    | 28,589,128 ... 350,196,968 | none (inside the model) |
| InceptionResNetV2 | Keras          | 55,873,736            | tf              |
| NASNetMobile / Large | Keras       | 5,326,716 / 88,949,818 | tf             |
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

# more of keras.applications (issue 21): one module per family, as in Keras
from strided.applications import (  # noqa: E402
    convnext,
    densenet,
    efficientnet_v2,
    mobilenet,
    mobilenet_v3,
    resnet_v2,
    xception,
)
from strided.applications.convnext import (  # noqa: E402
    ConvNeXtBase,
    ConvNeXtLarge,
    ConvNeXtSmall,
    ConvNeXtTiny,
    ConvNeXtXLarge,
)
from strided.applications.densenet import DenseNet121, DenseNet169, DenseNet201  # noqa: E402
from strided.applications.efficientnet import (  # noqa: E402
    EfficientNetB1,
    EfficientNetB2,
    EfficientNetB3,
    EfficientNetB4,
    EfficientNetB5,
    EfficientNetB6,
    EfficientNetB7,
)
from strided.applications.efficientnet_v2 import (  # noqa: E402
    EfficientNetV2B0,
    EfficientNetV2B1,
    EfficientNetV2B2,
    EfficientNetV2B3,
    EfficientNetV2L,
    EfficientNetV2M,
    EfficientNetV2S,
)
from strided.applications.mobilenet import MobileNet  # noqa: E402
from strided.applications.mobilenet_v3 import MobileNetV3Large, MobileNetV3Small  # noqa: E402
from strided.applications.resnet_v2 import ResNet50V2, ResNet101V2, ResNet152V2  # noqa: E402
from strided.applications.xception import Xception  # noqa: E402

__all__ += [
    "ConvNeXtBase",
    "ConvNeXtLarge",
    "ConvNeXtSmall",
    "ConvNeXtTiny",
    "ConvNeXtXLarge",
    "DenseNet121",
    "DenseNet169",
    "DenseNet201",
    "EfficientNetB1",
    "EfficientNetB2",
    "EfficientNetB3",
    "EfficientNetB4",
    "EfficientNetB5",
    "EfficientNetB6",
    "EfficientNetB7",
    "EfficientNetV2B0",
    "EfficientNetV2B1",
    "EfficientNetV2B2",
    "EfficientNetV2B3",
    "EfficientNetV2L",
    "EfficientNetV2M",
    "EfficientNetV2S",
    "MobileNet",
    "MobileNetV3Large",
    "MobileNetV3Small",
    "ResNet50V2",
    "ResNet101V2",
    "ResNet152V2",
    "Xception",
    "convnext",
    "densenet",
    "efficientnet_v2",
    "mobilenet",
    "mobilenet_v3",
    "resnet_v2",
    "xception",
]

# the lessons' small models (mnist_cnn, fashion_cnn, cifar_cnn), from lessons.py
from strided.applications import lessons
from strided.applications.lessons import *  # noqa: F403  (re-exported below)

__all__ += ["lessons"] + list(lessons.__all__)

# Inception-ResNet v2 and NASNet (issue 21), as Keras'
from strided.applications import inception_resnet_v2  # noqa: E402
from strided.applications.inception_resnet_v2 import InceptionResNetV2  # noqa: E402

__all__ += ["InceptionResNetV2", "inception_resnet_v2"]

from strided.applications import nasnet  # noqa: E402
from strided.applications.nasnet import NASNetLarge, NASNetMobile  # noqa: E402

__all__ += ["NASNetLarge", "NASNetMobile", "nasnet"]
