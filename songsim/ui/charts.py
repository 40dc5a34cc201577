"""Altair charts, spectrogram images and the pyvis graph page — the only module that builds HTML.

Text that came from users (titles, artists, ids) is escaped with :func:`html.escape` wherever it
becomes HTML: pyvis tooltips are assigned with ``innerHTML`` when any title contains "href",
so every tooltip is escaped, and labels lose their angle brackets. Altair and Streamlit tables
show text as text.
"""

from __future__ import annotations

import html
import io
import re

import altair as alt
import numpy as np
import pandas as pd

# A perceptual dark-to-bright colour map (anchors of matplotlib's "magma"), for spectrograms.
_MAGMA = np.array(
    [[0, 0, 4], [59, 15, 112], [140, 41, 129], [222, 73, 104], [254, 159, 109], [252, 253, 191]],
    float,
)
#: Group colours: Vega's tableau10, then ten picked greedily for the largest CIELAB distance
#: (ΔE ≥ 32) from every colour before them, the no-group grey and the pick colour, with
#: lightness 35–80 so each reads on light and dark themes (tableau10's closest pair: ΔE 27).
PALETTE = (
    "#4c78a8 #f58518 #e45756 #72b7b2 #54a24b #eeca3b #b279a2 #ff9da6 #9d755d #bab0ac "
    "#7300e6 #00e600 #bf009f #2263e6 #e60000 #736900 #8fbf00 #d47ee6 #994000 #117352"
).split()


#: The group of tracks outside every community (not in the graph's largest component).
NO_GROUP = "none"
NO_GROUP_COLOR = "#a0a0a0"
#: Colour of the picked song's ring and of the lines to its neighbours (reads on light and dark).
PICK_COLOR = "#ff2b6a"


def _group_order(value: str) -> tuple:
    return (not value.isdigit(), int(value) if value.isdigit() else 0, value)


def group_scale(values) -> alt.Scale:
    """One colour per group, the same on every page: a numbered group (cluster or community)
    gets ``PALETTE[number % 20]``, so cluster 3 is one colour on Clusters, Map and Graph; other
    groups (labels) their place in the sorted set; tracks outside every community grey."""
    domain = sorted({str(v) for v in values}, key=_group_order)
    named = [v for v in domain if not v.isdigit() and v != NO_GROUP]

    def colour(v: str) -> str:
        if v == NO_GROUP:
            return NO_GROUP_COLOR
        return PALETTE[(int(v) if v.isdigit() else named.index(v)) % len(PALETTE)]

    return alt.Scale(domain=domain, range=[colour(v) for v in domain])


def spec(chart: alt.TopLevelMixin) -> dict:
    """The Vega-Lite spec of an Altair chart, for ``st.vega_lite_chart``.

    Built without Altair's JSON-schema validation (≈ 80 ms a chart, and these charts are
    fixed code, checked by the tests) so that a slider rerun stays fast.
    """
    return chart.to_dict(validate=False)


def spectrogram_image(clip: np.ndarray, *, scale: int = 2) -> np.ndarray:
    """RGB image ``(n_mels·scale, n_frames·scale, 3)`` uint8 of a clip in [0, 1], low frequencies at the bottom."""
    x = np.clip(np.asarray(clip, dtype=float), 0, 1)[::-1]
    pos = x * (len(_MAGMA) - 1)
    lo = np.floor(pos).astype(int).clip(0, len(_MAGMA) - 2)
    frac = (pos - lo)[..., None]
    rgb = _MAGMA[lo] * (1 - frac) + _MAGMA[lo + 1] * frac
    return np.repeat(np.repeat(rgb, scale, axis=0), scale, axis=1).astype(np.uint8)


def spectrogram_png(clip: np.ndarray, *, scale: int = 2) -> bytes:
    """PNG bytes of :func:`spectrogram_image` (what ``st.image`` sends, encoded once)."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(spectrogram_image(clip, scale=scale)).save(buf, format="PNG")
    return buf.getvalue()


def sweep_charts(
    table: pd.DataFrame, *, elbow_k: int | None, best_k: int, chosen_k: int | None = None
) -> alt.Chart:
    """Silhouette against k and inertia (or BIC) against k, side by side, with the elbow, the
    best-silhouette k and the chosen k marked; every point has a tooltip."""
    value = "inertia" if "inertia" in table else "bic"
    marks = pd.DataFrame(
        [{"k": best_k, "mark": "best silhouette"}]
        + ([{"k": elbow_k, "mark": "elbow"}] if elbow_k else [])
        + ([{"k": chosen_k, "mark": "chosen k"}] if chosen_k else [])
    )
    # a wide faint band, a dashed line and a thin line: where two or three coincide, all show;
    # one legend for the three channels (Vega-Lite merges them: colour, width and dash together)
    legend = alt.Legend(title=None, orient="bottom", symbolType="stroke", symbolSize=300)
    rules = (
        alt.Chart(marks)
        .mark_rule()
        .encode(
            x="k:Q",
            strokeWidth=alt.StrokeWidth(
                "mark:N",
                scale=alt.Scale(domain=["best silhouette", "elbow", "chosen k"], range=[7, 3, 1.5]),
                legend=legend,
            ),
            strokeDash=alt.StrokeDash(
                "mark:N",
                scale=alt.Scale(
                    domain=["best silhouette", "elbow", "chosen k"], range=[[1, 0], [6, 4], [2, 2]]
                ),
                legend=legend,
            ),
            opacity=alt.condition(
                alt.datum.mark == "best silhouette", alt.value(0.45), alt.value(0.95)
            ),
            color=alt.Color(
                "mark:N",
                scale=alt.Scale(
                    domain=["best silhouette", "elbow", "chosen k"],
                    range=["#54a24b", "#e45756", "#888888"],
                ),
                legend=legend,
            ),
            tooltip=["mark:N", "k:Q"],
        )
    )

    def panel(field: str, title: str, zero: bool) -> alt.Chart:
        base = alt.Chart(table).encode(
            x=alt.X("k:Q", title="k (clusters)", axis=alt.Axis(tickMinStep=1)),
            y=alt.Y(f"{field}:Q", title=title, scale=alt.Scale(zero=zero)),
            tooltip=[alt.Tooltip("k:Q"), alt.Tooltip(f"{field}:Q", format=".4f")],
        )
        return (base.mark_line() + base.mark_circle(size=60) + rules).properties(
            title=title, height=260
        )

    return alt.hconcat(
        panel("silhouette", "Silhouette", zero=True),  # from 0: 0.233 against 0.231 looks close
        panel(value, "Inertia (elbow)" if value == "inertia" else "BIC", zero=False),
    ).configure_legend(orient="bottom")


def bar_sizes(sizes: list[int], *, what: str = "cluster", selectable: bool = False) -> alt.Chart:
    """Tracks per group, each bar in its group's colour (:func:`group_scale`); with
    ``selectable`` a click on a bar selects the group (selection ``focus``, field ``what``)."""
    df = pd.DataFrame({what: [str(i) for i in range(len(sizes))], "tracks": sizes})
    chart = (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X(f"{what}:N", sort=None),
            y="tracks:Q",
            color=alt.Color(f"{what}:N", scale=group_scale(df[what]), legend=None),
            tooltip=[f"{what}:N", "tracks:Q"],
        )
        .properties(height=200)
    )
    if selectable:
        chart = chart.add_params(alt.selection_point(name="focus", fields=[what], on="click"))
    return chart


def loss_curves(history: dict) -> alt.Chart:
    """Train and validation loss per epoch."""
    n = len(history.get("train_loss", []))
    df = pd.DataFrame(
        {
            "epoch": list(range(1, n + 1)) * 2,
            "loss": list(history.get("train_loss", [])) + list(history.get("val_loss", [])),
            "split": ["train"] * n + ["validation"] * n,
        }
    )
    return (
        alt.Chart(df)
        .mark_line(point=True)
        .encode(
            x=alt.X("epoch:Q", axis=alt.Axis(tickMinStep=1, format="d")),
            y=alt.Y("loss:Q", scale=alt.Scale(zero=False), axis=alt.Axis(format=".4~f")),
            color="split:N",
            tooltip=["split:N", "epoch:Q", alt.Tooltip("loss:Q", format=".5f")],
        )
        .properties(height=280)
    )


def _marked(points: pd.DataFrame, picked: int | None, neighbours) -> list[alt.Chart]:
    """Layers that mark the picked row of ``points`` (a ring) and lines to its ``neighbours``."""
    if picked is None or picked not in points.index:
        return []
    neighbours = [r for r in neighbours if r in points.index and r != picked]
    xy = points.loc[[picked], ["x", "y"]].to_numpy()[0]
    near = points.loc[list(neighbours)]
    lines = pd.DataFrame({"x": xy[0], "y": xy[1], "x2": near["x"], "y2": near["y"]})
    return [
        alt.Chart(lines)
        .mark_rule(color=PICK_COLOR, strokeDash=[4, 3], opacity=0.8)
        .encode(x="x:Q", y="y:Q", x2="x2:Q", y2="y2:Q"),
        alt.Chart(near)
        .mark_point(shape="circle", size=140, strokeWidth=1.5, color=PICK_COLOR)
        .encode(x="x:Q", y="y:Q"),
        alt.Chart(points.loc[[picked]])
        .mark_point(shape="circle", size=420, strokeWidth=3, color=PICK_COLOR)
        .encode(x="x:Q", y="y:Q", tooltip=["title:N", "artist:N"]),
    ]


def scatter_map(
    points: pd.DataFrame,
    *,
    color: str,
    picked: int | None = None,
    neighbours=(),
    highlight: np.ndarray | None = None,
    selectable: bool = True,
    height: int = 520,
) -> alt.Chart:
    """2-D map of ``points`` (x, y, ``color``, title, artist, track_id; index = track row).

    Hover shows a song; with ``selectable`` a click picks it (selection ``picked``, field
    track_id; a click on empty space clears it) and wheel or drag zoom and pan (``zoom``). The
    ``picked`` row gets a ring and dashed lines to its ``neighbours`` (rows); where
    ``highlight [shape=(n,)] bool`` is given, the other points fade.
    """
    pts = points.assign(**{color: points[color].astype(str)})
    pts["shown"] = True if highlight is None else np.asarray(highlight, bool)
    frame = alt.Scale(zero=False, nice=False, padding=12)
    base = alt.Chart(pts).encode(
        x=alt.X("x:Q", title=None, axis=None, scale=frame),
        y=alt.Y("y:Q", title=None, axis=None, scale=frame),
    )
    dots = base.mark_circle(size=55).encode(
        color=alt.Color(f"{color}:N", scale=group_scale(pts[color])),
        opacity=alt.condition(alt.datum.shown, alt.value(0.85), alt.value(0.12)),
        tooltip=["title:N", "artist:N", "track_id:N", f"{color}:N"]
        + [f"{c}:N" for c in ("tags", "sound") if c in pts],
    )
    if selectable:
        dots = dots.add_params(
            alt.selection_point(name="picked", fields=["track_id"], on="click"),
            alt.selection_interval(name="zoom", bind="scales"),
        )
    return alt.layer(dots, *_marked(pts, picked, neighbours)).properties(height=height)


def graph_chart(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    *,
    color: str,
    picked: int | None = None,
    neighbours=(),
    highlight: np.ndarray | None = None,
    height: int = 620,
) -> alt.Chart:
    """The drawn song graph: ``nodes`` (x, y, size, ``color``, title, artist, track_id, degree;
    index = track row) over ``edges`` (x, y, x2, y2 of each drawn edge).

    A click on a node picks its song (selection ``picked``, field track_id); wheel or drag zoom
    and pan. The ``picked`` node gets a ring and lines to its ``neighbours`` (rows).
    """
    pts = nodes.assign(**{color: nodes[color].astype(str)})
    pts["shown"] = True if highlight is None else np.asarray(highlight, bool)
    axis = {"title": None, "axis": None, "scale": alt.Scale(zero=False, nice=False, padding=18)}
    lines = (
        alt.Chart(edges)
        .mark_rule(color="#8c8c8c", opacity=0.45, strokeWidth=0.8)
        .encode(x=alt.X("x:Q", **axis), y=alt.Y("y:Q", **axis), x2="x2:Q", y2="y2:Q")
    )
    dots = (
        alt.Chart(pts)
        .mark_circle(stroke="#ffffff", strokeWidth=0.5)
        .encode(
            x=alt.X("x:Q", **axis),
            y=alt.Y("y:Q", **axis),
            size=alt.Size("size:Q", scale=alt.Scale(range=[14, 170]), legend=None),
            color=alt.Color(
                f"{color}:N",
                scale=group_scale(pts[color]),
                # the nodes' thin white outline is no ring around a legend dot (dark theme)
                legend=alt.Legend(symbolStrokeWidth=0, symbolType="circle"),
            ),
            opacity=alt.condition(alt.datum.shown, alt.value(0.95), alt.value(0.15)),
            tooltip=["title:N", "artist:N", "track_id:N", f"{color}:N", "degree:Q"],
        )
        .add_params(
            alt.selection_point(name="picked", fields=["track_id"], on="click"),
            alt.selection_interval(name="zoom", bind="scales"),
        )
    )
    return alt.layer(lines, dots, *_marked(pts, picked, neighbours)).properties(height=height)


def contingency_heatmap(table: pd.DataFrame) -> alt.Chart:
    """Heatmap of a contingency table (rows × columns, counts as colour and text)."""
    rows, cols = table.index.name or "row", table.columns.name or "column"
    df = table.rename_axis(index=rows, columns=cols).stack().rename("tracks").reset_index()
    df[rows], df[cols] = df[rows].astype(str), df[cols].astype(str)
    base = alt.Chart(df).encode(
        x=alt.X(f"{cols}:N", sort=None, axis=alt.Axis(labelAngle=-40, labelLimit=140)),
        y=alt.Y(f"{rows}:N", sort=None, axis=alt.Axis(labelLimit=160)),
    )
    heat = base.mark_rect().encode(
        color=alt.Color("tracks:Q", scale=alt.Scale(scheme="blues")),
        tooltip=[f"{rows}:N", f"{cols}:N", "tracks:Q"],
    )
    text = base.mark_text(fontSize=10).encode(
        text="tracks:Q",
        color=alt.condition(
            alt.datum.tracks > df["tracks"].max() / 2, alt.value("white"), alt.value("black")
        ),
    )
    # a fixed step per row: every row stays readable whatever the number of rows
    return (heat + text).properties(height=alt.Step(28))


LABEL_MAX_NODES = 80  # more nodes than this: titles only on hover


def safe_label(text: str, limit: int = 24) -> str:
    """A short node label without angle brackets (labels are drawn as canvas text)."""
    text = " ".join(str(text).split()).replace("<", "‹").replace(">", "›")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def graph_html(
    positions: np.ndarray,
    edges: np.ndarray,
    *,
    titles: list[str],
    labels: list[str],
    groups: np.ndarray,
    sizes: np.ndarray,
    height: int = 600,
) -> str:
    """A pyvis page of the graph on a precomputed layout with physics off (appears at once).

    Parameters
    ----------
    positions : np.ndarray [shape=(n, 2)]   layout coordinates, any scale
    edges : np.ndarray [shape=(m, 2)]       node index pairs
    titles, labels : per node tooltip and label (user text: escaped here)
    groups : np.ndarray [shape=(n,)] int     colour group of each node
    sizes : np.ndarray [shape=(n,)]          node size in pixels
    """
    from pyvis.network import Network

    net = Network(height=f"{height}px", width="100%", cdn_resources="in_line", bgcolor="#ffffff")
    pos = np.asarray(positions, float)
    span = np.ptp(pos, axis=0)
    pos = (pos - pos.mean(axis=0)) / np.where(span > 0, span, 1) * 900
    for i in range(len(pos)):
        net.add_node(
            int(i),
            label=safe_label(labels[i]) if len(pos) <= LABEL_MAX_NODES else " ",
            title=html.escape(str(titles[i])),
            color=PALETTE[int(groups[i]) % len(PALETTE)],
            size=float(sizes[i]),
            x=float(pos[i, 0]),
            y=float(pos[i, 1]),
            physics=False,
        )
    for a, b in np.asarray(edges, dtype=int).reshape(-1, 2):
        net.add_edge(int(a), int(b), color="rgba(120,120,120,0.25)", width=0.5)
    net.toggle_physics(False)
    return offline(net.generate_html(notebook=False))


#: Tags of pyvis's page template that fetch from a CDN (Bootstrap, for menus songsim does not use).
_REMOTE_TAG = re.compile(
    r"<(link|script)\b[^>]*\b(?:href|src)\s*=\s*[\"']https?://[^>]*>(?:\s*</script>)?", re.I
)


def offline(page: str) -> str:
    """``page`` without the tags that load anything from another host: the graph works offline
    (vis-network itself is inlined)."""
    return _REMOTE_TAG.sub("", page)
