"""strided.torchvision.transforms against torchvision's documented semantics, computed with PIL and torch.

torchvision cannot be installed beside torch 2.13 here, so each transform is compared with the
computation torchvision performs: PIL's own operations for PIL images, torch arithmetic,
`interpolate(antialias=True)` and torchvision's grid construction + `grid_sample` for tensors.
"""

import colorsys
import math

import numpy as np
import pytest
import torch as real
from PIL import Image, ImageEnhance

import strided.torch as torch
from strided.torchvision import transforms as T
from strided.torchvision.transforms import functional as F


@pytest.fixture
def rgb(rng):
    return Image.fromarray(rng.integers(0, 256, (13, 17, 3), dtype=np.uint8))


@pytest.fixture
def gray(rng):
    return Image.fromarray(rng.integers(0, 256, (28, 28), dtype=np.uint8))


def array(tensor):
    return np.asarray(tensor.numpy())


def test_to_tensor_is_hwc_uint8_to_chw_float_over_255(rgb, gray, rng):
    for image in (rgb, gray):
        hwc = np.asarray(image).reshape(image.size[1], image.size[0], -1)
        expected = real.from_numpy(hwc.copy()).permute(2, 0, 1).float().div(255).numpy()
        result = T.ToTensor()(image)
        assert result.dtype == torch.float32 and np.array_equal(array(result), expected)
    hwc = rng.integers(0, 256, (5, 4, 2), dtype=np.uint8)
    assert np.array_equal(array(T.ToTensor()(hwc)), real.from_numpy(hwc).permute(2, 0, 1).float().div(255).numpy())
    floats = rng.random((5, 4, 3)).astype(np.float32)  # not uint8: not rescaled
    assert np.array_equal(array(T.ToTensor()(floats)), floats.transpose(2, 0, 1))
    assert np.array_equal(array(T.ToTensor()(Image.fromarray(np.eye(3, dtype=bool)))), np.eye(3)[None])


def test_pil_to_tensor_and_convert_image_dtype(rgb):
    uint8 = T.PILToTensor()(rgb)
    assert uint8.dtype == torch.uint8 and np.array_equal(array(uint8), np.asarray(rgb).transpose(2, 0, 1))
    as_float = T.ConvertImageDtype(torch.float32)(uint8)
    assert np.array_equal(array(as_float), real.from_numpy(array(uint8)).float().div(255).numpy())
    back = T.ConvertImageDtype(torch.uint8)(as_float)
    assert np.array_equal(array(back), (real.from_numpy(array(as_float)) * (255 + 1 - 1e-3)).to(real.uint8).numpy())
    assert np.array_equal(array(back), array(uint8))


def test_normalize_is_torch_arithmetic_per_channel(rng):
    image = rng.random((3, 6, 5)).astype(np.float32)
    mean, std = (0.4914, 0.4822, 0.4465), (0.247, 0.243, 0.261)
    expected = (real.from_numpy(image) - real.tensor(mean)[:, None, None]) / real.tensor(std)[:, None, None]
    assert np.array_equal(array(T.Normalize(mean, std)(torch.from_numpy(image))), expected.numpy())
    batch = torch.from_numpy(image[None].repeat(2, 0))
    assert np.array_equal(array(T.Normalize((0.5,), (0.5,))(batch)), (image[None].repeat(2, 0) - np.float32(0.5)) / np.float32(0.5))
    leaf = torch.from_numpy(image.copy()).requires_grad_(True)
    T.Normalize(mean, std)(leaf).sum().backward()  # gradients reach the input: 1 / std per channel
    np.testing.assert_allclose(leaf.grad.numpy(), np.broadcast_to(1 / np.float32(std)[:, None, None], image.shape),
                               rtol=1e-6)
    inplace = torch.from_numpy(image.copy())
    assert T.Normalize(mean, std, inplace=True)(inplace) is inplace
    assert np.array_equal(inplace.numpy(), expected.numpy())
    with pytest.raises(ValueError, match="std evaluated to zero"):
        T.Normalize((0.0,), (0.0,))(torch.from_numpy(image))
    with pytest.raises(TypeError, match="Input tensor should be a float tensor. Got torch.uint8"):
        T.Normalize((0.0,), (1.0,))(torch.zeros(1, 2, 2, dtype=torch.uint8))


def test_compose_and_lambda():
    pipeline = T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.5,)), T.Lambda(lambda t: t * 2)])
    image = Image.fromarray(np.array([[0, 255]], np.uint8))
    assert array(pipeline(image)).tolist() == [[[-2.0, 2.0]]]
    assert "Normalize(mean=(0.5,), std=(0.5,))" in repr(pipeline)
    with pytest.raises(TypeError, match="Argument lambd should be callable"):
        T.Lambda(3)


def test_flips(rgb):
    assert np.array_equal(np.asarray(T.RandomHorizontalFlip(p=1.0)(rgb)), np.asarray(rgb)[:, ::-1])
    assert T.RandomHorizontalFlip(p=0.0)(rgb) is rgb
    tensor = T.ToTensor()(rgb)
    assert np.array_equal(array(T.RandomHorizontalFlip(p=1.0)(tensor)), array(tensor)[..., ::-1])
    assert np.array_equal(array(T.RandomVerticalFlip(p=1.0)(tensor)), array(tensor)[..., ::-1, :])


def test_resize_of_pil_images_is_pils_antialiased_filter(gray, rgb):
    assert np.array_equal(np.asarray(T.Resize((10, 14))(gray)),
                          np.asarray(gray.resize((14, 10), Image.Resampling.BILINEAR)))
    resized = T.Resize(6)(rgb)  # shorter edge (13) -> 6, the other int(6 * 17 / 13) = 7
    assert resized.size == (7, 6)
    assert np.array_equal(np.asarray(resized), np.asarray(rgb.resize((7, 6), Image.Resampling.BILINEAR)))
    nearest = T.Resize(40, interpolation=T.InterpolationMode.NEAREST)(gray)
    assert np.array_equal(np.asarray(nearest), np.asarray(gray.resize((40, 40), Image.Resampling.NEAREST)))
    assert T.Resize(28)(gray) is gray
    assert T.Resize(10, max_size=12)(rgb).size == (12, 9)  # long edge 13 > 12: 12 and int(12 * 10 / 13)


@pytest.mark.parametrize("size", [(8, 11), (30, 40), (17, 5)])
@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "nearest"])
def test_resize_of_tensors_matches_interpolate_with_antialias(rng, size, mode):
    image = rng.random((2, 3, 17, 23)).astype(np.float32)
    ours = array(T.Resize(size, interpolation=T.InterpolationMode(mode))(torch.from_numpy(image)))
    options = dict(antialias=True, align_corners=False) if mode != "nearest" else {}
    expected = real.nn.functional.interpolate(real.from_numpy(image), size=size, mode=mode, **options).numpy()
    np.testing.assert_allclose(ours, expected, atol=3e-6)


def test_center_crop_and_its_padding(rgb):
    cropped = T.CenterCrop((6, 9))(rgb)  # 13x17: top round(3.5) = 4, left 4
    assert np.array_equal(np.asarray(cropped), np.asarray(rgb)[4:10, 4:13])
    tensor = T.PILToTensor()(rgb)
    assert np.array_equal(array(T.CenterCrop((6, 9))(tensor)), array(tensor)[:, 4:10, 4:13])
    larger = T.CenterCrop(20)(rgb)  # pad (left 1, top 3, right 2, bottom 4) with zeros
    expected = np.zeros((20, 20, 3), np.uint8)
    expected[3:16, 1:18] = np.asarray(rgb)
    assert np.array_equal(np.asarray(larger), expected)
    assert np.array_equal(array(T.CenterCrop(20)(tensor)), expected.transpose(2, 0, 1))


def test_random_crop_with_padding_is_a_window_of_the_zero_padded_image(rgb):
    padded = np.pad(np.asarray(rgb), ((4, 4), (4, 4), (0, 0)))
    corners = set()
    torch.manual_seed(0)
    for _ in range(300):
        crop = np.asarray(T.RandomCrop((13, 17), padding=4)(rgb))
        found = [(i, j) for i in range(9) for j in range(9) if np.array_equal(padded[i : i + 13, j : j + 17], crop)]
        assert found
        corners.add(found[0])
    assert len(corners) > 60  # top and left both vary over the 9 x 9 choices
    torch.manual_seed(1)
    first = [T.RandomCrop(8)(rgb).getbbox() for _ in range(5)]
    torch.manual_seed(1)
    assert [T.RandomCrop(8)(rgb).getbbox() for _ in range(5)] == first
    assert np.array_equal(np.asarray(T.RandomCrop((13, 17))(rgb)), np.asarray(rgb))
    grown = T.RandomCrop(20, pad_if_needed=True, padding_mode="edge")(rgb)
    assert grown.size == (20, 20)
    with pytest.raises(ValueError, match="Required crop size"):
        T.RandomCrop(30)(rgb)


def _torchvision_rotate(image, angle, mode):
    """torchvision's tensor rotate: inverse affine matrix, _gen_affine_grid, grid_sample, fill mask."""
    rot = math.radians(-angle)
    a, b, c, d = math.cos(rot), -math.sin(rot), math.sin(rot), math.cos(rot)
    n, channels, h, w = image.shape
    theta = real.tensor([d, -b, 0.0, -c, a, 0.0]).reshape(1, 2, 3)
    base = real.empty(1, h, w, 3)
    base[..., 0].copy_(real.linspace(-w * 0.5 + 0.5, w * 0.5 - 0.5, steps=w))
    base[..., 1].copy_(real.linspace(-h * 0.5 + 0.5, h * 0.5 - 0.5, steps=h).unsqueeze_(-1))
    base[..., 2].fill_(1)
    grid = base.view(1, h * w, 3).bmm(theta.transpose(1, 2) / real.tensor([0.5 * w, 0.5 * h]))
    grid = grid.view(1, h, w, 2).expand(n, h, w, 2)
    sampled = real.nn.functional.grid_sample(real.cat([image, real.ones(n, 1, h, w)], 1), grid, mode=mode,
                                             padding_mode="zeros", align_corners=False)
    mask, out = sampled[:, -1:].expand(n, channels, h, w), sampled[:, :-1]
    if mode == "nearest":
        return out.masked_fill(mask < 0.5, 0.0)
    return out * mask


@pytest.mark.parametrize("angle", [30.0, -45.0, 90.0, 12.5])
@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
def test_rotation_of_tensors_is_torchvisions_grid_sample(rng, angle, mode):
    image = rng.random((2, 3, 17, 23)).astype(np.float32)
    ours = array(F.rotate(torch.from_numpy(image), angle, T.InterpolationMode(mode)))
    np.testing.assert_allclose(ours, _torchvision_rotate(real.from_numpy(image), angle, mode).numpy(), atol=2e-6)


def test_random_rotation_of_pil_images_is_pils_rotate(rgb, gray):
    rotated = T.RandomRotation((30, 30))(rgb)
    assert np.array_equal(np.asarray(rotated), np.asarray(rgb.rotate(30.0, Image.Resampling.NEAREST, fillcolor=(0, 0, 0))))
    square = T.PILToTensor()(gray)
    quarter = T.RandomRotation((90, 90))(square)  # counter-clockwise, as np.rot90
    assert np.array_equal(array(quarter)[0], np.rot90(np.asarray(gray)))
    torch.manual_seed(5)
    angles = [T.RandomRotation(10).get_params([-10.0, 10.0]) for _ in range(200)]
    assert -10 <= min(angles) < -8 and 8 < max(angles) <= 10
    with pytest.raises(ValueError, match="it must be positive"):
        T.RandomRotation(-3)


def test_color_jitter_on_pil_images_is_pils_enhance(rgb):
    for name, enhance in (("brightness", ImageEnhance.Brightness), ("contrast", ImageEnhance.Contrast),
                          ("saturation", ImageEnhance.Color)):
        jitter = T.ColorJitter(**{name: (1.6, 1.6)})
        assert np.array_equal(np.asarray(jitter(rgb)), np.asarray(enhance(rgb).enhance(1.6)))
    shifted = np.asarray(T.ColorJitter(hue=(0.2, 0.2))(rgb))
    h, s, v = (np.asarray(c) for c in rgb.convert("HSV").split())
    h = (h + np.uint8(int(0.2 * 255))).astype(np.uint8)
    expected = Image.merge("HSV", [Image.fromarray(c) for c in (h, s, v)]).convert("RGB")
    assert np.array_equal(shifted, np.asarray(expected))
    assert T.ColorJitter(hue=0.3)(rgb.convert("L")).mode == "L"
    torch.manual_seed(0)
    changed = T.ColorJitter(0.4, 0.4, 0.4, 0.1)(rgb)
    assert changed.size == rgb.size and not np.array_equal(np.asarray(changed), np.asarray(rgb))
    with pytest.raises(ValueError, match=r"hue values should be between \(-0.5, 0.5\)"):
        T.ColorJitter(hue=0.7)


def test_color_adjustments_on_tensors_are_torchvisions_blends(rng):
    image = rng.random((3, 5, 6)).astype(np.float32)
    t = real.from_numpy(image)
    gray = (0.2989 * t[0] + 0.587 * t[1] + 0.114 * t[2]).unsqueeze(0)
    cases = [
        (F.adjust_brightness, 1.3, (1.3 * t).clamp(0, 1)),
        (F.adjust_contrast, 0.7, (0.7 * t + 0.3 * gray.mean()).clamp(0, 1)),
        (F.adjust_saturation, 1.8, (1.8 * t + (1 - 1.8) * gray).clamp(0, 1)),
    ]
    for function, factor, expected in cases:
        np.testing.assert_allclose(array(function(torch.from_numpy(image), factor)), expected.numpy(), atol=1e-6)
    hue = array(F.adjust_hue(torch.from_numpy(image), -0.15))
    for y, x in [(0, 0), (2, 3), (4, 5)]:
        hh, ss, vv = colorsys.rgb_to_hsv(*image[:, y, x].astype(np.float64))
        np.testing.assert_allclose(hue[:, y, x], colorsys.hsv_to_rgb((hh - 0.15) % 1.0, ss, vv), atol=1e-5)
    uint8 = (image * 255).astype(np.uint8)
    expected = (1.3 * real.from_numpy(uint8)).clamp(0, 255).to(real.uint8).numpy()
    assert np.array_equal(array(F.adjust_brightness(torch.from_numpy(uint8), 1.3)), expected)


def test_grayscale(rgb):
    assert np.array_equal(np.asarray(T.Grayscale()(rgb)), np.asarray(rgb.convert("L")))
    three = T.Grayscale(num_output_channels=3)(rgb)
    assert three.mode == "RGB" and np.array_equal(np.asarray(three)[..., 2], np.asarray(rgb.convert("L")))
    tensor = T.ToTensor()(rgb)
    t = real.from_numpy(array(tensor))
    expected = (0.2989 * t[0] + 0.587 * t[1] + 0.114 * t[2]).unsqueeze(0).numpy()
    np.testing.assert_allclose(array(T.Grayscale()(tensor)), expected, atol=1e-7)


def test_pad_modes_match_numpy(rgb):
    image = np.asarray(rgb)
    assert np.array_equal(np.asarray(T.Pad((1, 2))(rgb)), np.pad(image, ((2, 2), (1, 1), (0, 0))))
    assert np.array_equal(np.asarray(T.Pad((1, 2, 3, 4), padding_mode="reflect")(rgb)),
                          np.pad(image, ((2, 4), (1, 3), (0, 0)), mode="reflect"))
    tensor = T.PILToTensor()(rgb)
    assert np.array_equal(array(T.Pad(2, fill=7)(tensor)), np.pad(image, ((2, 2), (2, 2), (0, 0)),
                                                                   constant_values=7).transpose(2, 0, 1))


def test_random_resized_crop(rgb):
    whole = T.RandomResizedCrop((8, 10), scale=(1.0, 1.0), ratio=(17 / 13, 17 / 13))(rgb)
    assert np.array_equal(np.asarray(whole), np.asarray(rgb.resize((10, 8), Image.Resampling.BILINEAR)))
    torch.manual_seed(0)
    for _ in range(50):
        top, left, h, w = T.RandomResizedCrop.get_params(rgb, (0.08, 1.0), (3 / 4, 4 / 3))
        assert 0 <= top <= 13 - h and 0 <= left <= 17 - w and h > 0 and w > 0
    assert T.RandomResizedCrop(24)(rgb).size == (24, 24)
    tensor = T.RandomResizedCrop(5)(T.ToTensor()(rgb))
    assert tuple(tensor.shape) == (3, 5, 5)


def test_to_pil_image_scales_floats_as_torchvision(rgb):
    tensor = T.ToTensor()(rgb)
    image = T.ToPILImage()(tensor)
    expected = real.from_numpy(array(tensor)).mul(255).byte().permute(1, 2, 0).numpy()
    assert image.mode == "RGB" and np.array_equal(np.asarray(image), expected)
    gray = T.ToPILImage()(T.PILToTensor()(rgb.convert("L")))
    assert gray.mode == "L" and np.array_equal(np.asarray(gray), np.asarray(rgb.convert("L")))
