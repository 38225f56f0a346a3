"""DeepSC-IoT (paper 003): conv encoder -> k complex symbols with unit average power -> channel ->
decoder + small MLP classifier, trained end to end with cross-entropy over a range of SNRs.

A reconstruction head maps the *received* vector back to an image for the pictures. It is trained
on the detached received vector, so its loss never reaches the encoder or the classifier.
"""
from __future__ import annotations

import torch
from torch import nn

from semcom_core.channels import power_normalize, transmit


def conv_block(c_in: int, c_out: int) -> nn.Sequential:
    """conv 3x3, ReLU, batch norm, 2x2 max-pool (the paper's order)."""
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU(inplace=True), nn.BatchNorm2d(c_out),
                         nn.MaxPool2d(2))


class SmallCNN(nn.Module):
    """The classifier of the separation baseline, trained on clean images: the same conv stack as
    the learned encoder, then an MLP."""

    def __init__(self, num_classes: int = 10, in_channels: int = 1):
        super().__init__()
        self.features = nn.Sequential(conv_block(in_channels, 32), conv_block(32, 64), nn.Flatten())
        self.classifier = nn.Sequential(nn.Linear(64 * 7 * 7, 128), nn.ReLU(inplace=True), nn.Linear(128, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


class DeepSCIoT(nn.Module):
    def __init__(self, k: int = 16, num_classes: int = 10, in_channels: int = 1,
                 snr_db_range: tuple[float, float] = (-5.0, 10.0), train_channels: tuple[str, ...] = ("complex_awgn",),
                 mean: float = 0.1307, std: float = 0.3081):
        super().__init__()
        self.k = k  # complex channel uses per image
        self.snr_db_range = tuple(snr_db_range)
        self.train_channels = tuple(train_channels)
        self.mean, self.std = mean, std
        self.encoder = nn.Sequential(conv_block(in_channels, 32), conv_block(32, 64), nn.Flatten(),
                                     nn.Linear(64 * 7 * 7, 2 * k))
        self.decoder = nn.Sequential(nn.Linear(2 * k, 32 * 7 * 7), nn.ReLU(inplace=True), nn.Unflatten(1, (32, 7, 7)),
                                     nn.ConvTranspose2d(32, 16, 2, 2), nn.BatchNorm2d(16), nn.ReLU(inplace=True),
                                     nn.Flatten())
        self.classifier = nn.Sequential(nn.Linear(16 * 14 * 14, 128), nn.ReLU(inplace=True), nn.Linear(128, num_classes))
        self.reconstruct = nn.Sequential(nn.Linear(2 * k, 32 * 7 * 7), nn.ReLU(inplace=True), nn.Unflatten(1, (32, 7, 7)),
                                         nn.ConvTranspose2d(32, 16, 2, 2), nn.ReLU(inplace=True),
                                         nn.ConvTranspose2d(16, in_channels, 2, 2), nn.Sigmoid())
        self.extra_loss: torch.Tensor | None = None

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """2k real numbers = k complex symbols of unit average power."""
        return power_normalize(self.encoder(x).float())

    def classify(self, y: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.decoder(y))

    def forward(self, x: torch.Tensor, snr_db=None, channel: str | None = None, equalizer: str = "mmse",
                generator: torch.Generator | None = None) -> torch.Tensor:
        z = self.encode(x)
        if self.training and snr_db is None:  # random SNR per image, random channel per batch
            lo, hi = self.snr_db_range
            snr_db = torch.empty(len(z), device=z.device).uniform_(lo, hi)
            channel = self.train_channels[int(torch.randint(len(self.train_channels), (1,)))]
        y = z if snr_db is None else transmit(z, snr_db, channel or "complex_awgn", equalizer, generator)
        logits = self.classify(y)
        if self.training:  # the picture head learns from the detached received vector only
            target = (x * self.std + self.mean).clamp(0, 1)
            self.extra_loss = nn.functional.mse_loss(self.reconstruct(y.detach()).float(), target.float())
        return logits
