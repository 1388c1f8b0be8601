"""Lesson 004's PyTorch cells, with only the import lines changed, print the right values.

The cells are copied from ../shared/lessons/004 (the lesson never imports torch itself; the
imports below are the ones its code needs). The stride-2/padding-1 example gives
[[1, 2], [2, 4]] (the lesson's printed [[1, 3], [2, 5]] is an erratum, see the lessons' README).
"""

import numpy as np
import torch as real

import strided.torch as torch
import strided.torch.nn as nn
import strided.torch.nn.functional as F


def test_stride_two_padding_one_example():
    # Define the input matrix (4x4)
    input_matrix = torch.tensor([[1, 0, 1, 0],
                                 [0, 1, 0, 1],
                                 [1, 0, 1, 0],
                                 [0, 1, 0, 1]], dtype=torch.float32)

    # Reshape to match PyTorch's expected input shape: (batch_size, channels, height, width)
    input_matrix = input_matrix.unsqueeze(0).unsqueeze(0)  # Shape: (1, 1, 4, 4)

    # Define the kernel (3x3)
    kernel = torch.tensor([[1, 1, 1],
                           [0, 0, 0],
                           [1, 1, 1]], dtype=torch.float32)

    # Reshape to match PyTorch's expected kernel shape: (out_channels, in_channels, height, width)
    kernel = kernel.unsqueeze(0).unsqueeze(0)  # Shape: (1, 1, 3, 3)

    # Apply 2D convolution using F.conv2d
    # We use stride=2 and padding=1 as per the example
    output = F.conv2d(input_matrix, kernel, stride=2, padding=1)

    assert output.shape == (1, 1, 2, 2)
    assert output.squeeze().tolist() == [[1.0, 2.0], [2.0, 4.0]]
    assert str(output) == str(real.nn.functional.conv2d(
        real.tensor(input_matrix.numpy()), real.tensor(kernel.numpy()), stride=2, padding=1))


def test_pooling_cells():
    # Example input tensor (batch size: 1, channels: 1, height: 4, width: 4)
    input_tensor = torch.tensor([[[[1.0, 2.0, 3.0, 0.0],
                                   [4.0, 5.0, 6.0, 1.0],
                                   [3.0, 4.0, 7.0, 2.0],
                                   [1.0, 2.0, 1.0, 0.0]]]])

    # Max Pooling (2x2 filter, stride 2, padding 0)
    max_pooling = nn.MaxPool2d(kernel_size=2, stride=2, padding=0)
    output_max = max_pooling(input_tensor)

    # Average Pooling (2x2 filter, stride 2, padding 0)
    avg_pooling = nn.AvgPool2d(kernel_size=2, stride=2, padding=0)
    output_avg = avg_pooling(input_tensor)

    # Global Average Pooling (applies pooling over the entire spatial dimensions)
    global_avg_pooling = nn.AdaptiveAvgPool2d(1)
    output_global_avg = global_avg_pooling(input_tensor)

    assert output_max.tolist() == [[[[5.0, 6.0], [4.0, 7.0]]]]
    assert output_avg.tolist() == [[[[3.0, 2.5], [2.5, 2.5]]]]
    assert output_global_avg.shape == (1, 1, 1, 1)
    np.testing.assert_allclose(output_global_avg.item(), 42 / 16)
    l2 = nn.LPPool2d(2, kernel_size=2, stride=2)(input_tensor)  # the lesson's L2-norm pooling
    np.testing.assert_allclose(l2.squeeze().numpy(), [[np.sqrt(46), np.sqrt(46)], [np.sqrt(30), np.sqrt(54)]],
                               rtol=1e-6)


def test_flatten_cell():
    # Example input tensor (batch size: 1, channels: 1, height: 4, width: 4)
    input_tensor = torch.tensor([[[[1.0, 2.0, 3.0, 0.0],
                                   [4.0, 5.0, 6.0, 1.0],
                                   [3.0, 4.0, 7.0, 2.0],
                                   [1.0, 2.0, 1.0, 0.0]]]])

    # Flattening the input tensor
    flatten_layer = nn.Flatten()
    flattened_output = flatten_layer(input_tensor)

    assert flattened_output.shape == (1, 16)
    assert flattened_output.tolist()[0] == [1.0, 2.0, 3.0, 0.0, 4.0, 5.0, 6.0, 1.0, 3.0, 4.0, 7.0, 2.0, 1.0, 2.0, 1.0, 0.0]


class ConvNet(nn.Module):
    def __init__(self, num_classes=10):
        super(ConvNet, self).__init__()
        self.layer1 = nn.Sequential(
            nn.Conv2d(1, 16, kernel_size=5, stride=1, padding=2),
            nn.BatchNorm2d(16),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=2, stride=2))
        self.layer2 = nn.Sequential(
            nn.Conv2d(16, 32, kernel_size=5, stride=1, padding=2),
            nn.BatchNorm2d(32),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=2, stride=2))
        self.fc = nn.Linear(7*7*32, num_classes)

    def forward(self, x):
        out = self.layer1(x)
        out = self.layer2(out)
        out = out.reshape(out.size(0), -1)
        out = self.fc(out)
        return out


def _real_convnet(num_classes=10):
    tnn = real.nn

    class RealConvNet(tnn.Module):
        def __init__(self):
            super().__init__()
            self.layer1 = tnn.Sequential(tnn.Conv2d(1, 16, 5, 1, 2), tnn.BatchNorm2d(16), tnn.ReLU(), tnn.MaxPool2d(2, 2))
            self.layer2 = tnn.Sequential(tnn.Conv2d(16, 32, 5, 1, 2), tnn.BatchNorm2d(32), tnn.ReLU(), tnn.MaxPool2d(2, 2))
            self.fc = tnn.Linear(7 * 7 * 32, num_classes)

        def forward(self, x):
            out = self.layer2(self.layer1(x))
            return self.fc(out.reshape(out.size(0), -1))

    return RealConvNet()


def test_convnet_cell_matches_pytorch_and_trains():
    num_classes = 10
    device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    model = ConvNet(num_classes).to(device)
    reference = _real_convnet(num_classes)
    assert repr(model).replace("ConvNet", "X") == repr(reference).replace("RealConvNet", "X")
    assert [(k, tuple(v.shape)) for k, v in model.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in reference.state_dict().items()]
    model.load_state_dict({k: v.numpy().copy() for k, v in reference.state_dict().items()})

    rng = np.random.default_rng(0)
    images = rng.standard_normal((8, 1, 28, 28)).astype(np.float32)
    labels = rng.integers(0, num_classes, 8)
    criterion = nn.CrossEntropyLoss()
    # SGD, not the lesson's usual Adam, for this comparison: a conv bias before BatchNorm has a zero
    # gradient up to rounding, which Adam's normalisation would blow up to full-size random steps.
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    real_optimizer = real.optim.SGD(reference.parameters(), lr=0.01, momentum=0.9)
    for _ in range(3):  # the lesson's training step, side by side with PyTorch's
        outputs = model(torch.from_numpy(images).to(device))
        loss = criterion(outputs, torch.from_numpy(labels).to(device))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        real_loss = real.nn.CrossEntropyLoss()(reference(real.from_numpy(images)), real.from_numpy(labels))
        real_optimizer.zero_grad()
        real_loss.backward()
        real_optimizer.step()
        np.testing.assert_allclose(loss.item(), real_loss.item(), rtol=1e-4)
    for (name, ours), theirs in zip(model.state_dict().items(), reference.state_dict().values()):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-3, atol=1e-4, err_msg=name)
    model.eval()
    reference.eval()
    with torch.no_grad():
        predicted = model(torch.from_numpy(images))
    np.testing.assert_allclose(predicted.numpy(), reference(real.from_numpy(images)).detach().numpy(),
                               rtol=1e-3, atol=1e-4)
    _, classes = torch.max(predicted.data, 1)
    assert classes.shape == (8,) and classes.dtype == torch.int64
