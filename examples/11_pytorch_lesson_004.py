# %% [markdown]
# # Lesson 004 in PyTorch, run by strided (only the imports changed)
#
# Lesson 004 teaches convolution, pooling, flattening and a small `ConvNet` in PyTorch.
# strided speaks PyTorch too: `strided.torch` has PyTorch's tensors (NCHW images, its dtype
# rules), `nn.Module`, `nn.functional`, `optim` and `utils.data`, all computed by the same
# kernels and autograd as strided's Keras front end. So the lesson's cells run as written once
#
#     import torch                     ->  import strided.torch as torch
#     import torch.nn as nn            ->  import strided.torch.nn as nn
#     import torch.nn.functional as F  ->  import strided.torch.nn.functional as F
#
# The stride-2 / padding-1 example prints [[1, 2], [2, 4]]: the lesson's printed
# [[1, 3], [2, 5]] comes from a mis-drawn padded matrix (see the lessons' README).

# %%
import os
import time

import numpy as np

import strided.torch as torch
import strided.torch.nn as nn
import strided.torch.nn.functional as F
from strided.torch.utils.data import DataLoader, TensorDataset

QUICK = os.environ.get("STRIDED_EXAMPLE_QUICK") == "1"   # a few hundred images, one epoch

# %% [markdown]
# ## Convolution with stride 2 and padding 1
#
# Output size: floor((4 + 2*1 - 3) / 2) + 1 = 2 in each direction.

# %%
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
print("stride 2, padding 1:", output.squeeze().int().tolist())

# %% [markdown]
# ## Pooling: max, average, L2-norm and global average

# %%
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

print("max pooling:", output_max.squeeze().tolist())
print("average pooling:", output_avg.squeeze().tolist())
print("L2-norm pooling:", nn.LPPool2d(2, kernel_size=2)(input_tensor).squeeze().numpy().astype(float).round(3).tolist())
print("global average pooling:", output_global_avg.item())

# %% [markdown]
# ## Flattening

# %%
flatten_layer = nn.Flatten()
flattened_output = flatten_layer(input_tensor)
print("flattened:", tuple(flattened_output.shape))

# %% [markdown]
# ## The lesson's ConvNet, trained on Fashion-MNIST
#
# Two Conv2d -> BatchNorm2d -> ReLU -> MaxPool2d blocks and a Linear layer, exactly as in the
# lesson; trained with Adam (learning rate 0.001) for 3 epochs on the 60,000 training images
# when Fashion-MNIST is on this machine (the quick mode uses the 3,000-image sample bundled
# with strided, for one epoch).

# %%
from strided.datasets import DatasetError, DatasetNotFoundError, fashion_mnist  # noqa: E402

try:
    if QUICK:
        raise DatasetNotFoundError("quick mode")
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data(download=False)
    dataset = "Fashion-MNIST"
except (DatasetNotFoundError, DatasetError):
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data(sample=True)
    dataset = "the Fashion-MNIST sample"
if QUICK:
    x_train, y_train, x_test, y_test = x_train[:512], y_train[:512], x_test[:256], y_test[:256]
num_epochs = 1 if QUICK else 3


def as_tensors(images, labels):
    images = (images.astype(np.float32) / 255.0 - 0.2860) / 0.3530  # Fashion-MNIST's mean and std
    return TensorDataset(torch.from_numpy(images[:, None]), torch.from_numpy(labels.astype(np.int64)))


train_loader = DataLoader(as_tensors(x_train, y_train), batch_size=100, shuffle=True)
test_loader = DataLoader(as_tensors(x_test, y_test), batch_size=1000)
print(f"dataset: {dataset}, {len(x_train)} training and {len(x_test)} test images, {num_epochs} epoch(s)")

# %%
num_classes = 10
device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')


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


torch.manual_seed(0)
model = ConvNet(num_classes).to(device)
print(model)
print("parameters:", sum(p.numel() for p in model.parameters()))

# %%
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.001)

for epoch in range(num_epochs):
    start = time.time()
    model.train()
    for images, labels in train_loader:
        images = images.to(device)
        labels = labels.to(device)

        # Forward pass
        outputs = model(images)
        loss = criterion(outputs, labels)

        # Backward and optimize
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print(f"Epoch [{epoch + 1}/{num_epochs}], Loss: {loss.item():.4f}, {time.time() - start:.0f} s")

# %%
model.eval()  # BatchNorm now uses its running statistics
with torch.no_grad():
    correct = 0
    total = 0
    for images, labels in test_loader:
        outputs = model(images.to(device))
        _, predicted = torch.max(outputs.data, 1)
        total += labels.size(0)
        correct += (predicted == labels.to(device)).sum().item()
print(f"test accuracy: {correct / total:.4f} ({correct} of {total} images)")
