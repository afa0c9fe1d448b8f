"""Procedurally drawn demo pictures (Pillow only): every seed gives a different scene.

Each scene is an illustration of a kind a story might carry (a skyline, mountains, a harbour,
a stadium, a market chart, a night street, a starfield, fields, abstract shapes) drawn from a
seeded random generator, so the same seed always gives the same picture and different seeds
give visibly different ones. ``scene_render`` also returns an alt text that truthfully
describes what was drawn, and the focal point where the main subject sits.
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageOps

WIDTH, HEIGHT = 1600, 900

SKIES = {
    "dawn": ((38, 52, 104), (247, 178, 120)),
    "morning": ((92, 152, 214), (214, 232, 246)),
    "noon": ((52, 120, 200), (170, 210, 240)),
    "dusk": ((58, 36, 92), (250, 140, 84)),
    "evening": ((20, 24, 60), (196, 88, 96)),
    "night": ((6, 10, 28), (36, 52, 96)),
    "overcast": ((120, 128, 140), (200, 204, 210)),
    "winter": ((150, 176, 204), (236, 240, 246)),
}


SKY_WORDS = {
    "dawn": "a dawn sky",
    "morning": "a clear morning sky",
    "noon": "a bright midday sky",
    "dusk": "a dusk sky",
    "evening": "an evening sky",
    "night": "a night sky",
    "overcast": "an overcast sky",
    "winter": "a pale winter sky",
}


@dataclass(frozen=True)
class Scene:
    kind: str
    seed: str
    sky: str = ""
    focal: tuple[float, float] | None = None  # where to put the main subject; None: scene decides


@dataclass
class Rendered:
    jpeg: bytes
    alt_text: str
    focal_x: float
    focal_y: float


def _gradient(top, bottom, *, size=(WIDTH, HEIGHT), horizontal=False) -> Image.Image:
    # Colourise a 256-step ramp, then stretch it: far cheaper than colourising full size.
    ramp = Image.linear_gradient("L").crop((0, 0, 1, 256))
    strip = ImageOps.colorize(ramp, black=top, white=bottom)
    if horizontal:
        strip = strip.transpose(Image.Transpose.ROTATE_90)  # dark side on the left
        return strip.resize((size[0], 1), Image.Resampling.BILINEAR).resize(size, Image.Resampling.NEAREST)
    return strip.resize((1, size[1]), Image.Resampling.BILINEAR).resize(size, Image.Resampling.NEAREST)


def _shade(color, factor):
    return tuple(max(0, min(255, int(c * factor))) for c in color)


def _mix(a, b, t):
    return tuple(int(x + (y - x) * t) for x, y in zip(a, b, strict=True))


def _ridge(rng, *, base, amplitude, roughness, width=WIDTH, step=20):
    """A mountain ridge line as polygon points, closed at the bottom."""
    points, y = [], base + rng.uniform(-amplitude, amplitude) / 2
    phase, freq = rng.uniform(0, math.tau), rng.uniform(1.2, 3.2)
    for x in range(0, width + step, step):
        y += rng.uniform(-roughness, roughness)
        wave = math.sin(phase + freq * math.tau * x / width) * amplitude
        points.append((x, max(40, min(HEIGHT - 40, base + wave + (y - base) * 0.5))))
    return [*points, (width, HEIGHT), (0, HEIGHT)]


def _sun(draw, rng, centre, radius, color, *, halo=True):
    cx, cy = centre
    if halo:
        for i in range(6, 0, -1):
            r = radius * (1 + i * 0.35)
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(*color, 18))
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=(*color, 255))


def _skyline(img, draw, rng, focal, sky):
    fx, fy = focal
    horizon = int(HEIGHT * rng.uniform(0.58, 0.7))
    _sun(draw, rng, (fx * WIDTH, fy * HEIGHT), rng.randint(50, 90), (255, 214, 150))
    for layer, (shade, lo, hi) in enumerate(((0.55, 120, 300), (0.35, 180, 420), (0.18, 220, 520))):
        x = rng.randint(-60, 0)
        base_color = _shade(SKIES[sky][0], shade + 0.2)
        while x < WIDTH:
            w = rng.randint(40, 130)
            h = rng.randint(lo, hi)
            top = horizon - h + layer * 60
            draw.rectangle((x, top, x + w, HEIGHT), fill=base_color)
            if rng.random() < 0.25:  # a spire or antenna
                draw.rectangle((x + w // 2 - 2, top - rng.randint(20, 70), x + w // 2 + 2, top), fill=base_color)
            if layer == 2:
                lit = (255, 226, 150, 200)
                for wy in range(top + 12, HEIGHT - 10, 22):
                    for wx in range(x + 8, x + w - 12, 18):
                        if rng.random() < 0.33:
                            draw.rectangle((wx, wy, wx + 8, wy + 11), fill=lit)
            x += w + rng.randint(0, 14)
    return f"a city skyline of towers with lit windows against {SKY_WORDS[sky]}"


def _mountains(img, draw, rng, focal, sky):
    fx, fy = focal
    _sun(draw, rng, (fx * WIDTH, fy * HEIGHT), rng.randint(40, 70), (255, 236, 190))
    top, bottom = SKIES[sky]
    layers = rng.randint(4, 6)
    snow = rng.random() < 0.6
    for i in range(layers):
        t = 0.35 + 0.65 * i / (layers - 1)  # the farthest ridge still stands out from the sky
        color = _mix(_mix(top, bottom, 0.6), _shade((40, 70, 60), 0.6 + 0.4 * (1 - t)), t)
        base = HEIGHT * (0.35 + 0.12 * i)
        pts = _ridge(rng, base=base, amplitude=rng.uniform(30, 110), roughness=rng.uniform(6, 18))
        draw.polygon(pts, fill=color)
        if snow and i == 0:
            peak = min(pts[:-2], key=lambda p: p[1])
            px, py = peak
            snowline = py + rng.uniform(35, 60)
            # White only where the far ridge rises above the snow line, one cap per peak.
            run: list[tuple[float, float]] = []
            for x, y in [*pts[:-2], (WIDTH + 1, HEIGHT)]:
                if y < snowline:
                    run.append((x, y))
                elif run:
                    # A ragged lower edge that hugs the crest, as snow does, never a flat line.
                    lower = [(x, min(snowline + 12, y + rng.uniform(14, 42))) for x, y in reversed(run)]
                    draw.polygon([*run, *lower], fill=(244, 247, 252))
                    run = []
    return f"layered mountain ridges{' with snow on the highest peaks' if snow else ''} under {SKY_WORDS[sky]}"


def _harbour(img, draw, rng, focal, sky):
    fx, fy = focal
    horizon = int(HEIGHT * rng.uniform(0.52, 0.62))
    top, bottom = SKIES[sky]
    sea = _shade(top, 0.8)
    draw.rectangle((0, horizon, WIDTH, HEIGHT), fill=sea)
    sx = fx * WIDTH
    _sun(draw, rng, (sx, horizon - rng.randint(60, 160)), rng.randint(45, 75), (255, 200, 130))
    for y in range(horizon + 6, HEIGHT, 9):  # glitter on the water under the sun
        spread = 20 + (y - horizon) * 0.5
        draw.line((sx - spread * rng.uniform(0.3, 1), y, sx + spread * rng.uniform(0.3, 1), y), fill=(*bottom, 120))
        draw.line((rng.randint(0, WIDTH), y, rng.randint(0, WIDTH), y), fill=(*_shade(sea, 1.3), 60))
    cranes = rng.randint(2, 5)
    for _ in range(cranes):
        cx = rng.randint(80, WIDTH - 200)
        h = rng.randint(180, 320)
        dark = (20, 22, 30)
        draw.rectangle((cx, horizon - h, cx + 14, horizon), fill=dark)
        draw.rectangle((cx - 90, horizon - h, cx + 170, horizon - h + 12), fill=dark)
        draw.line((cx + 150, horizon - h + 12, cx + 150, horizon - h + 90), fill=dark, width=3)
    for _ in range(rng.randint(1, 3)):  # ship hulls
        bx, bw = rng.randint(0, WIDTH - 400), rng.randint(220, 420)
        by = horizon + rng.randint(20, 120)
        draw.polygon([(bx, by), (bx + bw, by), (bx + bw - 30, by + 40), (bx + 25, by + 40)], fill=(30, 30, 40))
        for k in range(rng.randint(3, 8)):
            draw.rectangle(
                (bx + 30 + k * 38, by - 30, bx + 62 + k * 38, by),
                fill=rng.choice([(180, 60, 50), (60, 110, 170), (220, 180, 60), (90, 140, 90)]),
            )
    return f"a harbour with {cranes} cranes and ships on the water under {SKY_WORDS[sky]}"


def _stadium(img, draw, rng, focal, sky):
    fx, fy = focal
    green = rng.choice([(40, 120, 60), (52, 138, 70), (60, 110, 50)])
    field_top = int(HEIGHT * 0.42)
    stand = _shade(SKIES[sky][0], 0.7)
    draw.rectangle((0, int(HEIGHT * 0.2), WIDTH, field_top), fill=stand)
    for y in range(int(HEIGHT * 0.2) + 6, field_top, 10):  # the crowd
        for x in range(rng.randint(0, 6), WIDTH, 9):
            if rng.random() < 0.8:
                c = rng.choice([(230, 60, 60), (240, 240, 240), (40, 70, 160), (250, 200, 40), (30, 30, 30)])
                draw.rectangle((x, y, x + 4, y + 5), fill=c)
    stripes = rng.randint(8, 14)
    for i in range(stripes):
        y0 = field_top + (HEIGHT - field_top) * i / stripes
        y1 = field_top + (HEIGHT - field_top) * (i + 1) / stripes
        draw.rectangle((0, y0, WIDTH, y1), fill=_shade(green, 1.0 if i % 2 else 1.12))
    white = (245, 245, 240)
    draw.line((0, field_top + 30, WIDTH, field_top + 30), fill=white, width=5)
    cx, cy = fx * WIDTH, max(field_top + 80, fy * HEIGHT)
    draw.ellipse((cx - 150, cy - 60, cx + 150, cy + 60), outline=white, width=5)
    for _ in range(4):  # floodlights
        lx = rng.randint(50, WIDTH - 50)
        draw.rectangle((lx - 3, 0, lx + 3, int(HEIGHT * 0.2)), fill=(60, 60, 70))
        draw.rectangle((lx - 30, 10, lx + 30, 40), fill=(255, 250, 220))
    draw.ellipse((cx - 14, cy - 14, cx + 14, cy + 14), fill=(250, 250, 250))
    return "a sports stadium: a striped green pitch, a packed crowd in the stands and floodlights"


def _chart(img, draw, rng, focal, sky):
    img.paste(_gradient((12, 20, 36), (26, 42, 66)))
    grid = (60, 80, 110)
    for x in range(0, WIDTH, 100):
        draw.line((x, 0, x, HEIGHT), fill=grid, width=1)
    for y in range(0, HEIGHT, 90):
        draw.line((0, y, WIDTH, y), fill=grid, width=1)
    bars = rng.randint(24, 48)
    bw = WIDTH / bars
    for i in range(bars):
        h = rng.uniform(40, 220)
        color = (70, 170, 120, 170) if rng.random() < 0.55 else (210, 80, 80, 170)
        draw.rectangle((i * bw + 3, HEIGHT - h, (i + 1) * bw - 3, HEIGHT), fill=color)
    y, points = HEIGHT * rng.uniform(0.35, 0.6), []
    drift = rng.uniform(-2.5, 2.5)
    for x in range(0, WIDTH + 10, 10):
        y = max(80, min(HEIGHT - 260, y + rng.gauss(drift, 14)))
        points.append((x, y))
    line = rng.choice([(255, 200, 60), (90, 200, 255), (255, 120, 180)])
    draw.line(points, fill=line, width=6, joint="curve")
    trend = "rising" if points[-1][1] < points[0][1] else "falling"
    return f"a market chart on a dark grid: a {trend} line over green and red volume bars"


def _night_street(img, draw, rng, focal, sky):
    img.paste(_gradient((8, 8, 20), (40, 24, 50)))
    ground = int(HEIGHT * 0.7)
    x = 0
    while x < WIDTH:  # the buildings along the street
        w = rng.randint(140, 300)
        draw.rectangle((x, rng.randint(int(HEIGHT * 0.05), int(HEIGHT * 0.3)), x + w - 6, ground), fill=(30, 26, 40))
        x += w
    draw.rectangle((0, ground, WIDTH, HEIGHT), fill=(24, 20, 28))
    for _ in range(rng.randint(10, 18)):  # shopfront signs
        x, w = rng.randint(0, WIDTH - 120), rng.randint(40, 120)
        top = rng.randint(int(HEIGHT * 0.32), ground - 160)
        color = rng.choice([(255, 80, 80), (80, 220, 255), (255, 210, 80), (190, 120, 255), (120, 255, 160)])
        draw.rectangle((x, top, x + w, top + rng.randint(90, 240)), fill=(*color, 150))
    lanterns = rng.randint(6, 14)
    y_line = rng.randint(int(HEIGHT * 0.12), int(HEIGHT * 0.3))
    for i in range(lanterns):
        x = (i + 0.5) * WIDTH / lanterns + rng.uniform(-20, 20)
        y = y_line + math.sin(i * 0.7) * 20
        for r, a in ((70, 25), (48, 50)):
            draw.ellipse((x - r, y - r, x + r, y + r), fill=(255, 120, 60, a))
        draw.ellipse((x - 26, y - 34, x + 26, y + 34), fill=(230, 60, 40))
        draw.rectangle((x - 18, y - 40, x + 18, y - 32), fill=(40, 30, 30))
    for _ in range(rng.randint(8, 16)):  # reflections on wet paving
        x = rng.randint(0, WIDTH)
        draw.line(
            (x, ground + rng.randint(10, 200), x + rng.randint(-30, 30), HEIGHT), fill=(255, 150, 90, 60), width=4
        )
    return f"a night street with {lanterns} red paper lanterns and glowing shop signs"


def _starfield(img, draw, rng, focal, sky):
    img.paste(_gradient((2, 2, 12), (14, 18, 44)))
    for _ in range(900):
        x, y = rng.randint(0, WIDTH), rng.randint(0, HEIGHT)
        b = rng.randint(120, 255)
        r = 1 if rng.random() < 0.9 else 2
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(b, b, min(255, b + 20)))
    fx, fy = focal
    cx, cy, radius = fx * WIDTH, fy * HEIGHT, rng.randint(120, 220)
    base = rng.choice([(200, 140, 90), (90, 140, 210), (180, 80, 60), (150, 170, 120)])
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=base)
    for k in range(-radius + 20, radius, rng.randint(18, 34)):  # cloud bands
        half = math.sqrt(max(0, radius**2 - k**2))
        draw.line((cx - half, cy + k, cx + half, cy + k), fill=(*_shade(base, 0.75), 140), width=10)
    draw.pieslice((cx - radius, cy - radius, cx + radius, cy + radius), 300, 120, fill=(0, 0, 0, 110))
    ringed = rng.random() < 0.5
    if ringed:
        draw.ellipse(
            (cx - radius * 1.9, cy - radius * 0.35, cx + radius * 1.9, cy + radius * 0.35),
            outline=(230, 220, 200),
            width=6,
        )
    return f"a {'ringed ' if ringed else ''}planet against a field of stars"


def _fields(img, draw, rng, focal, sky):
    horizon = int(HEIGHT * rng.uniform(0.35, 0.45))
    greens = [(92, 150, 60), (120, 170, 70), (150, 190, 90), (200, 190, 90), (80, 130, 70)]
    y = horizon
    while y < HEIGHT:
        h = rng.randint(30, 90) + (y - horizon) // 4
        slope = rng.uniform(-40, 40)
        draw.polygon([(0, y), (WIDTH, y + slope), (WIDTH, y + slope + h), (0, y + h)], fill=rng.choice(greens))
        draw.line((0, y, WIDTH, y + slope), fill=(70, 100, 50), width=3)
        y += h
    fx, fy = focal
    hx, hy = fx * WIDTH, max(horizon + 40, fy * HEIGHT)  # a farmhouse
    draw.rectangle((hx - 60, hy - 40, hx + 60, hy + 30), fill=(230, 225, 210))
    draw.polygon([(hx - 80, hy - 40), (hx, hy - 100), (hx + 80, hy - 40)], fill=(70, 60, 60))
    for _ in range(rng.randint(3, 7)):  # trees along the horizon
        tx = rng.randint(0, WIDTH)
        draw.ellipse((tx - 40, horizon - 70, tx + 40, horizon + 10), fill=(50, 90, 50))
    return "terraced green fields rolling to the horizon, with a farmhouse"


def _abstract(img, draw, rng, focal, sky):
    palette = [tuple(rng.randint(40, 255) for _ in range(3)) for _ in range(5)]
    img.paste(_gradient(palette[0], palette[1], horizontal=rng.random() < 0.5))
    shapes = rng.randint(14, 26)
    for _ in range(shapes):
        color = (*rng.choice(palette), rng.randint(70, 170))
        x, y, r = rng.randint(-100, WIDTH), rng.randint(-100, HEIGHT), rng.randint(40, 260)
        kind = rng.random()
        if kind < 0.45:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=color)
        elif kind < 0.75:
            draw.rectangle((x, y, x + r * 1.6, y + r * rng.uniform(0.2, 1.2)), fill=color)
        else:
            draw.polygon([(x, y - r), (x + r, y + r), (x - r, y + r)], fill=color)
    fx, fy = focal
    draw.ellipse(
        (fx * WIDTH - 90, fy * HEIGHT - 90, fx * WIDTH + 90, fy * HEIGHT + 90), outline=(250, 250, 250), width=10
    )
    return f"an abstract composition of {shapes} overlapping translucent circles, bars and triangles"


def _rain(img, draw, rng, focal, sky):
    img.paste(_gradient((70, 78, 92), (150, 156, 166)))
    ground = int(HEIGHT * 0.72)
    draw.rectangle((0, ground, WIDTH, HEIGHT), fill=(60, 64, 72))
    umbrellas = rng.randint(5, 11)
    for _ in range(umbrellas):
        x, y = rng.randint(40, WIDTH - 40), rng.randint(ground - 80, HEIGHT - 60)
        r = rng.randint(50, 90)
        color = rng.choice([(200, 40, 50), (30, 80, 160), (240, 200, 40), (20, 20, 24), (240, 240, 240)])
        draw.pieslice((x - r, y - r // 1.2, x + r, y + r // 1.2), 180, 360, fill=color)
        draw.line((x, y, x, y + r * 0.9), fill=(30, 30, 30), width=4)
    for _ in range(700):
        x, y = rng.randint(0, WIDTH), rng.randint(0, HEIGHT)
        draw.line((x, y, x - 6, y + 26), fill=(220, 226, 236, 90), width=1)
    return f"{umbrellas} umbrellas crossing a wet street in heavy rain"


def _train(img, draw, rng, focal, sky):
    top, bottom = SKIES[sky]
    fx, fy = focal
    # A volcano-shaped mountain behind, as seen from the line.
    mx, peak = fx * WIDTH, HEIGHT * rng.uniform(0.18, 0.3)
    mountain = _mix(top, (70, 90, 120), 0.5)
    draw.polygon(
        [(mx - 700, HEIGHT * 0.62), (mx - 90, peak), (mx + 90, peak), (mx + 700, HEIGHT * 0.62)], fill=mountain
    )
    draw.polygon(
        [(mx - 90, peak), (mx + 90, peak), (mx + 190, peak + 90), (mx + 60, peak + 70), (mx - 40, peak + 100),
         (mx - 190, peak + 90)],
        fill=(246, 248, 252),
    )  # fmt: skip
    ground = int(HEIGHT * 0.62)
    draw.rectangle((0, ground, WIDTH, HEIGHT), fill=rng.choice([(96, 140, 70), (120, 150, 80), (150, 160, 110)]))
    deck = ground + rng.randint(60, 110)
    draw.rectangle((0, deck, WIDTH, deck + 24), fill=(150, 150, 150))  # the viaduct
    for x in range(40, WIDTH, 160):
        draw.rectangle((x, deck + 24, x + 26, HEIGHT), fill=(135, 135, 138))
    start, cars = rng.randint(-200, 300), rng.randint(5, 8)
    body, stripe = (245, 246, 248), rng.choice([(30, 80, 170), (20, 120, 90), (200, 40, 60)])
    length = 180
    for i in range(cars):
        x0 = start + i * (length + 6)
        draw.rounded_rectangle((x0, deck - 64, x0 + length, deck - 4), radius=14, fill=body)
        draw.rectangle((x0, deck - 30, x0 + length, deck - 20), fill=stripe)
        for wx in range(x0 + 14, x0 + length - 20, 26):
            draw.rectangle((wx, deck - 54, wx + 16, deck - 40), fill=(40, 50, 70))
    nose = start + cars * (length + 6)
    draw.polygon(
        [(nose - 6, deck - 64), (nose + 170, deck - 8), (nose + 170, deck - 4), (nose - 6, deck - 4)], fill=body
    )
    draw.line((nose, deck - 24, nose + 150, deck - 12), fill=stripe, width=8)
    return f"a white bullet train on a viaduct, a snow-capped volcano behind it, under {SKY_WORDS[sky]}"


def _blossoms(img, draw, rng, focal, sky):
    img.paste(_gradient((150, 190, 230), (236, 240, 248)))
    bark = (70, 50, 50)
    branches = []

    def grow(x, y, angle, length, width, depth):
        if depth == 0 or length < 12:
            branches.append((x, y))
            return
        x2, y2 = x + math.cos(angle) * length, y - math.sin(angle) * length
        draw.line((x, y, x2, y2), fill=bark, width=max(2, int(width)))
        branches.append((x2, y2))
        for turn in (rng.uniform(0.2, 0.6), -rng.uniform(0.2, 0.6)):
            grow(x2, y2, angle + turn, length * rng.uniform(0.62, 0.8), width * 0.68, depth - 1)

    fx, fy = focal
    grow(fx * WIDTH, HEIGHT + 20, math.pi / 2 + rng.uniform(-0.2, 0.2), rng.uniform(240, 300), 40, 7)
    pinks = [(250, 200, 215, 170), (245, 175, 195, 170), (255, 228, 235, 190), (236, 150, 180, 150)]
    for bx, by in branches:
        for _ in range(4):
            r = rng.randint(6, 16)
            x, y = bx + rng.uniform(-30, 30), by + rng.uniform(-30, 30)
            draw.ellipse((x - r, y - r, x + r, y + r), fill=rng.choice(pinks))
    for _ in range(160):  # falling petals
        x, y = rng.randint(0, WIDTH), rng.randint(0, HEIGHT)
        draw.ellipse((x, y, x + rng.randint(5, 9), y + rng.randint(3, 6)), fill=rng.choice(pinks))
    return "a cherry tree in full pink blossom against a pale sky, petals drifting down"


SCENES = {
    "train": _train,
    "blossoms": _blossoms,
    "skyline": _skyline,
    "mountains": _mountains,
    "harbour": _harbour,
    "stadium": _stadium,
    "chart": _chart,
    "night_street": _night_street,
    "starfield": _starfield,
    "fields": _fields,
    "abstract": _abstract,
    "rain": _rain,
}


def scene_render(scene: Scene, *, size=(WIDTH, HEIGHT), quality: int = 82) -> Rendered:
    """Draw ``scene`` and return it as JPEG bytes with a matching alt text and focal point."""
    rng = random.Random(f"{scene.kind}:{scene.seed}")  # noqa: S311 - pictures, not secrets
    sky = scene.sky or rng.choice(sorted(SKIES))
    if scene.focal is not None:
        focal = scene.focal
    else:
        focal = (round(rng.uniform(0.4, 0.6), 2), round(rng.uniform(0.3, 0.5), 2))
    top, bottom = SKIES[sky]
    # Small per-picture colour shifts so two scenes of a kind never share a palette.
    top = tuple(max(0, min(255, c + rng.randint(-18, 18))) for c in top)
    bottom = tuple(max(0, min(255, c + rng.randint(-18, 18))) for c in bottom)
    img = _gradient(top, bottom)
    draw = ImageDraw.Draw(img, "RGBA")
    description = SCENES[scene.kind](img, draw, rng, focal, sky)
    if size != (WIDTH, HEIGHT):
        img = img.resize(size, Image.Resampling.BILINEAR)
    buffer = io.BytesIO()
    img.save(buffer, format="JPEG", quality=quality, optimize=False, progressive=False)
    return Rendered(
        jpeg=buffer.getvalue(),
        alt_text=f"Illustration: {description}.",
        focal_x=focal[0],
        focal_y=focal[1],
    )


# --- Worker entry point ---------------------------------------------------------------------------
# Lives here, in a module that needs no Django app registry, so ``seed_demo`` can run it in
# freshly spawned worker processes.


@dataclass
class PhotoJob:
    key: str
    scene: str
    focal: tuple[float, float] | None
    size: tuple[int, int]


@dataclass
class PhotoResult:
    key: str
    jpeg: bytes
    alt_text: str
    focal_x: float
    focal_y: float
    rendered: object  # articles.photos.RenderedSet


def photo_job_render(job: PhotoJob) -> PhotoResult:
    """Draw one scene and make its renditions in memory (no database, no storage)."""
    from articles.photos import renditions_render  # settings only; no models

    picture = scene_render(Scene(kind=job.scene, seed=job.key, focal=job.focal), size=job.size)
    rendered = renditions_render(io.BytesIO(picture.jpeg), focal_x=picture.focal_x, focal_y=picture.focal_y)
    return PhotoResult(job.key, picture.jpeg, picture.alt_text, picture.focal_x, picture.focal_y, rendered)
