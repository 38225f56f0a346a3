"""The datasets the project knows, their class names, shapes and official sources."""
from __future__ import annotations

from dataclasses import dataclass, field


class DatasetError(RuntimeError):
    """A dataset problem the user can fix; its message says how."""


CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer",
                   "dog", "frog", "horse", "ship", "truck")
MNIST_CLASSES = tuple(str(i) for i in range(10))
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
IDX_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
             "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    image_shape: tuple[int, int, int]  # H, W, C
    num_classes: int
    # official download: list of (url, filename, md5)
    downloads: tuple[tuple[str, str, str], ...] = field(default=())
    # what a user must put where, for the offline error message
    expected_files: tuple[str, ...] = field(default=())
    subdirs: tuple[str, ...] = field(default=())  # sub-folders of a search root to look in
    mean: tuple[float, ...] = (0.5,)  # per-channel normalization (train-set statistics)
    std: tuple[float, ...] = (0.5,)
    hflip: bool = True  # is a horizontal flip label-preserving? (not for digits)


_MNIST_BASE = "https://ossci-datasets.s3.amazonaws.com/mnist/"
_FASHION_BASE = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"

DATASETS: dict[str, DatasetSpec] = {
    "cifar10": DatasetSpec(
        "cifar10", (32, 32, 3), 10,
        downloads=(("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
                    "cifar-10-python.tar.gz", "c58f30108f718f92721af3b95e74349a"),),
        expected_files=("cifar-10-python.tar.gz", "cifar-10-batches-py/ (data_batch_1..5, test_batch)",
                        "cifar10-jpeg-q75.tar.gz (train/<class>/*.jpg, test/<class>/*.jpg)"),
        subdirs=("cifar10", "cifar-10", ""),
        mean=(0.4914, 0.4822, 0.4465), std=(0.2470, 0.2435, 0.2616)),
    "cifar100": DatasetSpec(
        "cifar100", (32, 32, 3), 100,
        downloads=(("https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz",
                    "cifar-100-python.tar.gz", "eb9058c3a382ffc7106e4002c42a8d85"),),
        expected_files=("cifar-100-python.tar.gz", "cifar-100-python/ (train, test, meta)"),
        subdirs=("cifar100", "cifar-100", ""),
        mean=(0.5071, 0.4865, 0.4409), std=(0.2673, 0.2564, 0.2762)),
    "mnist": DatasetSpec(
        "mnist", (28, 28, 1), 10,
        downloads=tuple((_MNIST_BASE + f + ".gz", f + ".gz", md5) for f, md5 in zip(IDX_FILES, (
            "f68b3c2dcbeaaa9fbdd348bbdeb94873", "d53e105ee54ea40749a09fcbcd1e9432",
            "9fb629c4189551a2d022fa330f9573f3", "ec29112dd5afa0611ce80d1b7f02629c"))),
        expected_files=tuple(f + "[.gz]" for f in IDX_FILES),
        subdirs=("mnist", "MNIST/raw", ""), mean=(0.1307,), std=(0.3081,), hflip=False),
    "fashion-mnist": DatasetSpec(
        "fashion-mnist", (28, 28, 1), 10,
        downloads=tuple((_FASHION_BASE + f + ".gz", f + ".gz", md5) for f, md5 in zip(IDX_FILES, (
            "8d4fb7e6c68d591d4c3dfef9ec88bf0d", "25c81989df183df01b3e8a0aad5dffbe",
            "bef4ecab320f06d8554ea6380940ec79", "bb300cfdad3c16e7a12a480ee83cd310"))),
        expected_files=tuple(f + "[.gz]" for f in IDX_FILES),
        subdirs=("fashion-mnist", "fashion_mnist", "FashionMNIST/raw", ""),
        mean=(0.2860,), std=(0.3530,), hflip=False),
}


def get_spec(name: str) -> DatasetSpec:
    key = name.lower().replace("_", "-")
    key = {"fashionmnist": "fashion-mnist", "cifar-10": "cifar10", "cifar-100": "cifar100"}.get(key, key)
    if key not in DATASETS:
        raise DatasetError(f"unknown dataset {name!r}; known: {', '.join(DATASETS)}")
    return DATASETS[key]
