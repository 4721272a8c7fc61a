#!/usr/bin/env python3
"""The official student (poser mode_14) in PyTorch eager fp32, as the yardstick of the CUDA engine.

The operations of the reference implementation (spec §3.2-3.7), written out: SirenFaceMorpher00 (1x1 conv
sine layers on [position grid, pose]), SirenMorpher03 (three levels, bilinear upsampling of the features
between them), the warp (grid_sample, bilinear, border padding, align_corners=False) and the face paste.
Loads a character folder's face_morpher.pt / body_morpher.pt and character.png, times >= 200 frames after a
warm-up with CUDA events and prints one line for scripts/gpu-check.sh:
    RESULT engine=reference-pytorch median_ms=<ms>
Usage: reference_student.py <character folder> [--frames N] [--device cuda] [--save blended.pt]
"""
import argparse
import math
import os
import statistics

import torch
import torch.nn.functional as F

OMEGA0 = 30.0
FACE_TOP, FACE_LEFT, FACE_SIZE = 80, 192, 128


def load_state_dict(path, device):
    # The files tag every storage cuda:0; keep them where they are loaded, then move (spec §3.8).
    state = torch.load(path, map_location=lambda storage, location: storage)
    return {key: value.to(device=device, dtype=torch.float32) for key, value in state.items()}


def position_grid(size, device):
    identity = torch.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]], device=device)
    grid = F.affine_grid(identity, [1, 1, size, size], align_corners=False)  # (1, S, S, 2), last dim (x, y)
    return grid.permute(0, 3, 1, 2)  # (1, 2, S, S): channel 0 = x, channel 1 = y (spec §3.3)


def sine_layer(x, weight, bias):
    return torch.sin(OMEGA0 * F.conv2d(x, weight, bias))


def face_morpher(w, pose39, grid128):
    size = grid128.shape[-1]
    x = torch.cat([grid128, pose39[:, :, None, None].repeat(1, 1, size, size)], dim=1)
    for i in range(8):
        x = sine_layer(x, w[f"siren.sine_layers.{i}.linear.weight"], w[f"siren.sine_layers.{i}.linear.bias"])
    return F.conv2d(x, w["siren.last_linear.weight"], w["siren.last_linear.bias"])


def warp(image, grid_change):
    n, c, h, width = image.shape
    identity = torch.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]], device=image.device).repeat(n, 1, 1)
    base = F.affine_grid(identity, [n, c, h, width], align_corners=False)
    grid = base + grid_change.permute(0, 2, 3, 1)
    return F.grid_sample(image, grid, mode="bilinear", padding_mode="border", align_corners=False)


def body_morpher(w, image, pose45, grids):
    x = None
    for level, grid in enumerate(grids):
        size = grid.shape[-1]
        pp = torch.cat([grid, pose45[:, :, None, None].repeat(1, 1, size, size)], dim=1)
        if x is None:
            x = pp
        else:
            x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
            x = torch.cat([x, pp], dim=1)  # features first, then position, then pose
        for j in range(3):
            x = sine_layer(x, w[f"siren_layers.{level}.{j}.linear.weight"], w[f"siren_layers.{level}.{j}.linear.bias"])
    o = F.conv2d(x, w["last_linear.weight"], w["last_linear.bias"])
    grid_change, alpha, color_change = o[:, 0:2], o[:, 2:3], o[:, 3:7]
    warped = warp(image, grid_change)
    return (1 - alpha) * warped + alpha * color_change


def mode_14(face_w, body_w, image, pose, grids):
    with torch.no_grad():
        face = face_morpher(face_w, pose[:, 0:39], grids[0])
        pasted = image.clone()
        pasted[:, :, FACE_TOP:FACE_TOP + FACE_SIZE, FACE_LEFT:FACE_LEFT + FACE_SIZE] = face
        return body_morpher(body_w, pasted, pose, grids)


def load_character_image(path, device):
    """character.png as the reference loads it (spec §1.1): sRGB -> linear, premultiplied, in [-1, 1]."""
    from PIL import Image  # only needed here
    import numpy

    rgba = numpy.asarray(Image.open(path).convert("RGBA"), dtype=numpy.float32) / 255.0
    rgb = numpy.clip(rgba[..., :3], 0.0, 1.0)
    linear = numpy.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    alpha = rgba[..., 3:4]
    premultiplied = numpy.concatenate([linear * alpha, alpha], axis=-1)
    tensor = torch.from_numpy(premultiplied * 2.0 - 1.0).permute(2, 0, 1)[None].contiguous()
    return tensor.to(device)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("character", help="character folder with face_morpher.pt, body_morpher.pt, character.png")
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--save", help="write the blended image of a fixed pose here (torch.save)")
    args = parser.parse_args()
    frames = max(200, args.frames)
    device = torch.device(args.device)

    face_w = load_state_dict(os.path.join(args.character, "face_morpher.pt"), device)
    body_w = load_state_dict(os.path.join(args.character, "body_morpher.pt"), device)
    image = load_character_image(os.path.join(args.character, "character.png"), device)
    grids = [position_grid(size, device) for size in (128, 256, 512)]

    def pose_at(i):
        pose = torch.zeros(1, 45, device=device)
        pose[0, 26] = 0.5 + 0.5 * math.sin(0.1 * i)  # mouth_aaa: a new face pose every frame
        pose[0, 39] = 0.8 * math.sin(0.05 * i)  # head_x
        pose[0, 43] = 0.6 * math.cos(0.07 * i)  # body_z
        return pose

    for i in range(args.warmup):
        mode_14(face_w, body_w, image, pose_at(i), grids)
    times = []
    use_events = device.type == "cuda"
    for i in range(frames):
        pose = pose_at(args.warmup + i)
        if use_events:
            start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            mode_14(face_w, body_w, image, pose, grids)
            stop.record()
            torch.cuda.synchronize()
            times.append(start.elapsed_time(stop))
        else:
            import time

            t0 = time.perf_counter()
            mode_14(face_w, body_w, image, pose, grids)
            times.append(1000.0 * (time.perf_counter() - t0))
    print(f"RESULT engine=reference-pytorch median_ms={statistics.median(times):.3f}")
    if args.save:
        torch.save(mode_14(face_w, body_w, image, pose_at(0), grids).cpu(), args.save)


if __name__ == "__main__":
    main()
