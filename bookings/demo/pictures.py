"""Calm, deliberate-looking demo pictures drawn with Pillow (no photos to license).

Treatment images are soft two-colour gradients with a few simple shapes (leaves, water
drops, waves, stones, citrus slices, rings, light rays) in the category's palette.
Practitioner photos are abstract avatars: a coloured disc with the person's initials.
Everything is seeded from a name, so the same object always gets the same picture.
"""

import io
import math
import random
import zlib
from collections.abc import Callable

from PIL import Image, ImageDraw, ImageFilter, ImageFont

RGB = tuple[int, int, int]
Point = tuple[float, float]

TREATMENT_SIZE = (1200, 900)
AVATAR_SIZE = (800, 800)
# Shapes are drawn this many times larger, then scaled down: smooth edges.
SUPERSAMPLE = 2


def hex_to_rgb(colour: str) -> RGB:
    """'#a1b2c3' -> (161, 178, 195)."""
    colour = colour.lstrip("#")
    return (int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16))


def mix(first: RGB, second: RGB, amount: float) -> RGB:
    """The colour `amount` of the way from `first` to `second` (0..1)."""
    return (
        round(first[0] + (second[0] - first[0]) * amount),
        round(first[1] + (second[1] - first[1]) * amount),
        round(first[2] + (second[2] - first[2]) * amount),
    )


def _rng(seed_text: str) -> random.Random:
    """A random generator that gives the same numbers for the same text on every machine."""
    return random.Random(zlib.crc32(seed_text.encode("utf-8")))  # noqa: S311 (not security)


def _gradient(size: tuple[int, int], light: RGB, deep: RGB) -> Image.Image:
    """A diagonal gradient from `light` (top left) to `deep` (bottom right)."""
    vertical = Image.linear_gradient("L")  # 256 x 256, black at the top
    horizontal = vertical.rotate(90).transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    mask = Image.blend(horizontal, vertical, 0.5)
    small = Image.composite(
        Image.new("RGB", mask.size, deep), Image.new("RGB", mask.size, light), mask
    )
    # Built small and stretched: a gradient has no detail to lose.
    return small.resize(size, Image.Resampling.BILINEAR)


def _soft_glow(canvas: Image.Image, rng: random.Random, colour: RGB, count: int) -> None:
    """Large blurred discs of light: the bokeh that makes a flat gradient feel like a photo."""
    # Drawn and blurred at a quarter of the size (fast), then scaled up (it is all blur anyway).
    width, height = canvas.size[0] // 4, canvas.size[1] // 4
    # Transparent pixels carry the glow's colour so that the blur does not darken edges.
    layer = Image.new("RGBA", (width, height), (*colour, 0))
    draw = ImageDraw.Draw(layer)
    for _ in range(count):
        radius = rng.uniform(0.08, 0.22) * width
        x, y = rng.uniform(0, width), rng.uniform(0, height)
        alpha = rng.randint(40, 90)
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=(*colour, alpha))
    layer = layer.filter(ImageFilter.GaussianBlur(width / 40))
    canvas.alpha_composite(layer.resize(canvas.size, Image.Resampling.BILINEAR))


def _polar(origin: Point, distance: float, angle: float) -> Point:
    """The point `distance` away from `origin` in direction `angle` (radians)."""
    return (origin[0] + distance * math.cos(angle), origin[1] + distance * math.sin(angle))


def _rotate(points: list[Point], angle: float, centre: Point) -> list[Point]:
    cos_a, sin_a = math.cos(angle), math.sin(angle)
    cx, cy = centre
    return [(cx + x * cos_a - y * sin_a, cy + x * sin_a + y * cos_a) for x, y in points]


# Motifs: each draws on a transparent layer the size of the (supersampled) canvas.
Motif = Callable[[ImageDraw.ImageDraw, tuple[int, int], random.Random, RGB, RGB], None]


def _leaf(draw: ImageDraw.ImageDraw, centre: Point, length: float, angle: float, fill, vein):
    """A pointed leaf with a centre vein, lying along `angle` (radians)."""
    half_width = length * 0.28
    steps = 40
    upper = [
        (length * (t / steps - 0.5), -half_width * math.sin(math.pi * t / steps) ** 0.8)
        for t in range(steps + 1)
    ]
    lower = [(x, -y) for x, y in reversed(upper)]
    draw.polygon(_rotate(upper + lower, angle, centre), fill=fill)
    start, end = _rotate([(-length * 0.5, 0), (length * 0.42, 0)], angle, centre)
    draw.line([start, end], fill=vein, width=max(2, int(length / 70)))
    # A stem beyond the leaf's base.
    stem_end = _rotate([(-length * 0.6, 0)], angle, centre)[0]
    draw.line([start, stem_end], fill=fill, width=max(3, int(length / 45)))


def _sprig(draw, size, rng, base: Point, tip: Point, bend: float, accent, highlight) -> None:
    """One stem curving from `base` to `tip` with leaves alternating along it."""
    width = size[0]
    (x0, y0), (x2, y2) = base, tip
    # The control point sits off the straight line by `bend` of its length: a gentle curve.
    control = ((x0 + x2) / 2 + (y2 - y0) * bend, (y0 + y2) / 2 - (x2 - x0) * bend)

    def point_at(t: float) -> Point:
        u = 1 - t
        return (
            u * u * x0 + 2 * u * t * control[0] + t * t * x2,
            u * u * y0 + 2 * u * t * control[1] + t * t * y2,
        )

    def angle_at(t: float) -> float:
        (ax, ay), (bx, by) = point_at(max(0.0, t - 0.01)), point_at(min(1.0, t + 0.01))
        return math.atan2(by - ay, bx - ax)

    stem_colour = (*mix(accent, (0, 0, 0), 0.1), 220)
    draw.line([point_at(i / 40) for i in range(41)], fill=stem_colour, width=int(width / 220))
    stem_length = math.dist(base, tip)
    count = rng.randint(5, 7)
    for index in range(count):
        t = 0.18 + 0.72 * index / (count - 1)
        side = 1 if index % 2 else -1
        angle = angle_at(t) + side * math.radians(rng.uniform(38, 52))
        length = stem_length * (0.42 - 0.22 * t)
        sx, sy = point_at(t)
        centre = (sx + math.cos(angle) * length * 0.6, sy + math.sin(angle) * length * 0.6)
        fill = (*mix(accent, highlight, rng.uniform(0.0, 0.25)), rng.randint(190, 230))
        _leaf(draw, centre, length, angle, fill, (*highlight, 170))
    tip_length = stem_length * 0.2
    angle = angle_at(1.0)
    centre = (x2 + math.cos(angle) * tip_length * 0.55, y2 + math.sin(angle) * tip_length * 0.55)
    _leaf(draw, centre, tip_length, angle, (*accent, 215), (*highlight, 170))


def leaves(draw, size, rng, accent, highlight) -> None:
    """One or two botanical sprigs reaching in from the lower corners."""
    width, height = size
    _sprig(
        draw,
        size,
        rng,
        base=(width * rng.uniform(0.78, 0.9), height * 1.02),
        tip=(width * rng.uniform(0.5, 0.6), height * rng.uniform(0.18, 0.28)),
        bend=rng.uniform(0.12, 0.2),
        accent=accent,
        highlight=highlight,
    )
    if rng.random() < 0.6:
        _sprig(
            draw,
            size,
            rng,
            base=(width * rng.uniform(0.0, 0.08), height * 1.02),
            tip=(width * rng.uniform(0.18, 0.28), height * rng.uniform(0.5, 0.6)),
            bend=-rng.uniform(0.1, 0.18),
            accent=mix(accent, highlight, 0.3),
            highlight=highlight,
        )


def _place_circles(
    rng: random.Random,
    size: tuple[int, int],
    count: int,
    radius_range: tuple[float, float],
    area: tuple[float, float, float, float],
) -> list[tuple[float, float, float]]:
    """Up to `count` (x, y, radius) circles inside `area` (fractions) that do not overlap."""
    width, height = size
    left, top, right, bottom = area
    placed: list[tuple[float, float, float]] = []
    for _ in range(count * 40):
        if len(placed) == count:
            break
        radius = width * rng.uniform(*radius_range)
        x = width * rng.uniform(left, right)
        y = height * rng.uniform(top, bottom)
        if all(math.dist((x, y), (px, py)) > (radius + pr) * 1.15 for px, py, pr in placed):
            placed.append((x, y, radius))
    return placed


def _drop_outline(centre: Point, radius: float) -> list[Point]:
    """A water drop: a circle drawn to a point above it along its tangents."""
    cx, cy = centre
    apex_distance = radius * 2.1
    spread = math.acos(radius / apex_distance)
    start = -math.pi / 2 + spread
    end = 3 * math.pi / 2 - spread
    arc = [
        (
            cx + radius * math.cos(start + (end - start) * i / 60),
            cy + radius * math.sin(start + (end - start) * i / 60),
        )
        for i in range(61)
    ]
    return [(cx, cy - apex_distance), *arc]


def drops(draw, size, rng, accent, highlight) -> None:
    """Falling water drops of different sizes, each with a small shine."""
    width, height = size
    # The point of a drop reaches twice its radius above it: keep room for it.
    for cx, cy, radius in _place_circles(rng, size, 8, (0.025, 0.07), (0.1, 0.3, 0.9, 0.88)):
        draw.polygon(_drop_outline((cx, cy), radius), fill=(*accent, rng.randint(120, 200)))
        shine = radius * 0.28
        sx, sy = cx - radius * 0.4, cy - radius * 0.15
        draw.ellipse((sx - shine, sy - shine, sx + shine, sy + shine), fill=(*highlight, 190))


def waves(draw, size, rng, accent, highlight) -> None:
    """Layered waves across the lower half, like a calm sea or a bolt of linen."""
    width, height = size
    layers = 4
    for index in range(layers):
        level = height * (0.5 + index * 0.12)
        amplitude = height * rng.uniform(0.025, 0.05)
        wavelength = width * rng.uniform(0.5, 0.9)
        phase = rng.uniform(0, math.tau)
        top = [
            (x, level + amplitude * math.sin(math.tau * x / wavelength + phase))
            for x in range(0, width + 20, 20)
        ]
        colour = mix(highlight, accent, (index + 1) / layers)
        draw.polygon([*top, (width, height), (0, height)], fill=(*colour, 150 + index * 25))


def stones(draw, size, rng, accent, highlight) -> None:
    """A balanced stack of smooth stones, largest at the bottom."""
    width, height = size
    cx = width * rng.uniform(0.58, 0.68)
    y = height * 0.86
    stone_width = width * 0.36
    for index in range(5):
        stone_height = stone_width * rng.uniform(0.3, 0.36)
        offset = rng.uniform(-0.04, 0.04) * width
        box = (
            cx + offset - stone_width / 2,
            y - stone_height,
            cx + offset + stone_width / 2,
            y,
        )
        colour = mix(accent, highlight, index * 0.16)
        draw.ellipse(box, fill=(*colour, 235))
        y -= stone_height * 0.9
        stone_width *= rng.uniform(0.72, 0.8)


def citrus(draw, size, rng, accent, highlight) -> None:
    """Slices of citrus (fruit acids are what a peel is made of)."""
    width, height = size
    for cx, cy, radius in _place_circles(rng, size, 3, (0.1, 0.17), (0.15, 0.25, 0.88, 0.78)):
        draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=(*accent, 210))
        flesh = radius * 0.88
        draw.ellipse((cx - flesh, cy - flesh, cx + flesh, cy + flesh), fill=(*highlight, 235))
        segments = 9
        turn = rng.uniform(0, math.tau)
        for index in range(segments):
            angle = turn + math.tau * index / segments
            outer = radius * 0.8
            draw.line(
                [(cx, cy), (cx + outer * math.cos(angle), cy + outer * math.sin(angle))],
                fill=(*accent, 140),
                width=max(2, int(radius / 22)),
            )
        core = radius * 0.08
        draw.ellipse((cx - core, cy - core, cx + core, cy + core), fill=(*accent, 170))


def rings(draw, size, rng, accent, highlight) -> None:
    """Overlapping fine rings, like ripples on still water."""
    width, height = size
    for _ in range(2):
        cx, cy = width * rng.uniform(0.3, 0.75), height * rng.uniform(0.3, 0.7)
        for step in range(1, 7):
            radius = width * 0.045 * step
            alpha = max(40, 210 - step * 25)
            draw.ellipse(
                (cx - radius, cy - radius, cx + radius, cy + radius),
                outline=(*accent, alpha),
                width=max(3, int(width / 300)),
            )
        dot = width * 0.018
        draw.ellipse((cx - dot, cy - dot, cx + dot, cy + dot), fill=(*highlight, 230))


def _ellipse_outline(length: float, width: float) -> list[Point]:
    """An ellipse lying along the x axis from 0 to `length` (a petal growing from a centre)."""
    return [
        (length / 2 * (1 + math.cos(math.tau * i / 48)), width / 2 * math.sin(math.tau * i / 48))
        for i in range(48)
    ]


def flowers(draw, size, rng, accent, highlight) -> None:
    """Two or three simple daisies (chamomile: the classic calming botanical)."""
    for cx, cy, radius in _place_circles(rng, size, 3, (0.09, 0.15), (0.2, 0.25, 0.85, 0.8)):
        petals = rng.randint(9, 12)
        turn = rng.uniform(0, math.tau)
        petal = _ellipse_outline(radius, radius * 0.36)
        for index in range(petals):
            angle = turn + math.tau * index / petals
            draw.polygon(_rotate(petal, angle, (cx, cy)), fill=(*highlight, 225))
        for index in range(petals):
            angle = turn + math.tau * (index + 0.5) / petals
            inner = _ellipse_outline(radius * 0.7, radius * 0.22)
            draw.polygon(_rotate(inner, angle, (cx, cy)), fill=(*mix(highlight, accent, 0.3), 200))
        core = radius * 0.24
        draw.ellipse((cx - core, cy - core, cx + core, cy + core), fill=(*accent, 235))


def bubbles(draw, size, rng, accent, highlight) -> None:
    """Translucent spheres of different sizes, each with a rim and a shine (hyaluronic gel)."""
    width = size[0]
    rim = max(3, int(width / 400))
    for cx, cy, radius in _place_circles(rng, size, 9, (0.03, 0.1), (0.12, 0.15, 0.88, 0.85)):
        box = (cx - radius, cy - radius, cx + radius, cy + radius)
        draw.ellipse(box, fill=(*accent, rng.randint(70, 120)), outline=(*accent, 200), width=rim)
        shine = radius * 0.3
        sx, sy = cx - radius * 0.38, cy - radius * 0.38
        draw.ellipse((sx - shine, sy - shine, sx + shine, sy + shine), fill=(*highlight, 200))


def rays(draw, size, rng, accent, highlight) -> None:
    """Soft beams of light fanning out from one corner, with a few sparkles."""
    width, height = size
    origin = (width * rng.uniform(-0.05, 0.1), height * rng.uniform(-0.1, 0.05))
    reach = math.hypot(width, height) * 1.1
    beams = 7
    for index in range(beams):
        middle = math.radians(8 + index * 11 + rng.uniform(-2, 2))
        spread = math.radians(rng.uniform(2.5, 4.5))
        points = [
            origin,
            _polar(origin, reach, middle - spread),
            _polar(origin, reach, middle + spread),
        ]
        colour = highlight if index % 2 else accent
        draw.polygon(points, fill=(*colour, rng.randint(50, 90)))
    for _ in range(6):
        x, y = width * rng.uniform(0.35, 0.92), height * rng.uniform(0.3, 0.9)
        arm = width * rng.uniform(0.015, 0.035)
        thin = arm * 0.22
        star = [
            (x, y - arm),
            (x + thin, y - thin),
            (x + arm, y),
            (x + thin, y + thin),
            (x, y + arm),
            (x - thin, y + thin),
            (x - arm, y),
            (x - thin, y - thin),
        ]
        draw.polygon(star, fill=(*highlight, 235))


MOTIFS: dict[str, Motif] = {
    "leaves": leaves,
    "drops": drops,
    "waves": waves,
    "stones": stones,
    "citrus": citrus,
    "rings": rings,
    "rays": rays,
    "flowers": flowers,
    "bubbles": bubbles,
}


def _shadow_under(canvas: Image.Image, layer: Image.Image, colour: RGB, offset: Point) -> None:
    """A soft shadow of `layer`'s shapes on `canvas`: gives flat shapes a little depth."""
    small = (canvas.size[0] // 2, canvas.size[1] // 2)
    shadow = Image.new("RGBA", small, (*colour, 0))
    shadow.putalpha(layer.getchannel("A").resize(small).point(lambda value: value * 0.35))
    shadow = shadow.filter(ImageFilter.GaussianBlur(6)).resize(canvas.size)
    canvas.alpha_composite(shadow, dest=(int(offset[0]), int(offset[1])))


def _to_png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, format="PNG", compress_level=1)
    return out.getvalue()


def treatment_picture(
    *, seed: str, palette: tuple[str, str, str], motifs: tuple[str, ...]
) -> bytes:
    """A PNG for one treatment.

    `palette` is (light background, deep background, accent) as '#rrggbb';
    `motifs` names shapes from MOTIFS, drawn in order.
    """
    light, deep, accent = (hex_to_rgb(colour) for colour in palette)
    rng = _rng(seed)
    canvas = _gradient(TREATMENT_SIZE, light, deep).convert("RGBA")
    _soft_glow(canvas, rng, mix(light, (255, 255, 255), 0.6), count=7)

    big = (TREATMENT_SIZE[0] * SUPERSAMPLE, TREATMENT_SIZE[1] * SUPERSAMPLE)
    highlight = mix(light, (255, 255, 255), 0.7)
    layer = Image.new("RGBA", big, (*accent, 0))
    draw = ImageDraw.Draw(layer)
    for name in motifs:
        MOTIFS[name](draw, big, rng, accent, highlight)
    layer = layer.resize(TREATMENT_SIZE, Image.Resampling.BOX)
    _shadow_under(canvas, layer, mix(deep, (0, 0, 0), 0.35), offset=(6, 10))
    canvas.alpha_composite(layer)
    return _to_png(canvas)


def initials_of(name: str) -> str:
    """'Dr. Amara Okafor, MD' -> 'AO': first and last word, titles and degrees dropped."""
    ignored = {"dr", "dr.", "md", "do", "rn", "np", "pa", "pa-c", "lme", "msn", "fnp-c"}
    words = [word for word in name.replace(",", " ").split() if word.lower() not in ignored]
    if not words:
        return "?"
    letters = words[0][0] + (words[-1][0] if len(words) > 1 else "")
    return letters.upper()


def avatar_picture(*, name: str, palette: tuple[str, str]) -> bytes:
    """A PNG avatar: a gradient square, a disc in the person's colour and their initials."""
    light, deep = (hex_to_rgb(colour) for colour in palette)
    rng = _rng(name)
    width, height = AVATAR_SIZE
    canvas = _gradient(AVATAR_SIZE, mix(light, (255, 255, 255), 0.45), light).convert("RGBA")
    _soft_glow(canvas, rng, (255, 255, 255), count=4)

    big = (width * SUPERSAMPLE, height * SUPERSAMPLE)
    layer = Image.new("RGBA", big, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    cx, cy = big[0] / 2, big[1] / 2
    radius = big[0] * 0.34
    # A thin ring around the disc, then the disc itself, in a gradient of the deep colour.
    ring = radius * 1.12
    draw.ellipse(
        (cx - ring, cy - ring, cx + ring, cy + ring),
        outline=(*deep, 120),
        width=int(big[0] / 160),
    )
    disc_mask = Image.new("L", big, 0)
    disc_box = (cx - radius, cy - radius, cx + radius, cy + radius)
    ImageDraw.Draw(disc_mask).ellipse(disc_box, fill=255)
    disc = _gradient(big, mix(deep, light, 0.25), mix(deep, (0, 0, 0), 0.15)).convert("RGBA")
    layer.paste(disc, mask=disc_mask)

    font = ImageFont.load_default(size=int(radius * 0.8))
    draw.text((cx, cy), initials_of(name), font=font, anchor="mm", fill=(255, 255, 255, 245))
    layer = layer.resize(AVATAR_SIZE, Image.Resampling.BOX)

    _shadow_under(canvas, layer, mix(deep, (0, 0, 0), 0.4), offset=(0, 10))
    canvas.alpha_composite(layer)
    return _to_png(canvas)
