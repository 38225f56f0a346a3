"""Models: CIFAR ResNets (`resnet`) and the split model with a k-number bottleneck (`split`)."""
from .resnet import BACKBONES, CifarResNet, build_backbone  # noqa: F401
