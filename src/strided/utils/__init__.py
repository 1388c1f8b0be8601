"""Utilities with Keras' `keras.utils` names: data from image folders and files, labels,
seeding, downloads, progress bars, model plots and session reset."""

from strided._naming import clear_session
from strided.utils.data_utils import normalize, split_dataset, to_categorical, train_val_split
from strided.utils.dataset import Dataset
from strided.utils.file_utils import get_file, validate_file
from strided.utils.image_dataset import image_dataset_from_directory
from strided.utils.image_utils import array_to_img, img_to_array, load_img, save_img, smart_resize
from strided.utils.model_visualization import model_to_dot, plot_model
from strided.utils.progbar import Progbar
from strided.utils.py_dataset import PyDataset, Sequence
from strided.utils.random import get_rng, make_rng, set_random_seed

__all__ = [
    "to_categorical", "normalize", "split_dataset", "train_val_split", "set_random_seed", "get_rng", "make_rng",
    "clear_session", "Dataset", "image_dataset_from_directory", "load_img", "img_to_array", "array_to_img",
    "save_img", "smart_resize", "PyDataset", "Sequence", "get_file", "validate_file", "Progbar", "plot_model",
    "model_to_dot"]
