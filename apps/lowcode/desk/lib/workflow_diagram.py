"""A workflow as an SVG diagram, drawn on the server (no library, works without JavaScript).

States are boxes in layers by breadth-first distance from the first state; transitions are
arrows labelled with the action and who takes it. Arrows that go down run straight between
layers; arrows back up (a rejection) or within a layer run in lanes beside the boxes.
Exception paths (绿色通道) are red and dashed; 会签 (every approver must agree) is named.
"""

from __future__ import annotations

import dataclasses
from collections import deque

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from lowcode.i18n import _
from lowcode.workflow.engine import Transition, WorkflowDef

NODE_W, NODE_H = 150, 46
COLUMN, ROW = 190, 150
MARGIN, LANE = 28, 26
STYLE_COLOURS = {
    "Success": ("#dcfce7", "#15803d"),
    "Warning": ("#fef3c7", "#b45309"),
    "Danger": ("#fee2e2", "#b91c1c"),
    "Info": ("#dbeafe", "#1d4ed8"),
    "": ("#f3f4f6", "#4b5563"),
}
FONT = 12


@dataclasses.dataclass
class Node:
    state: str
    layer: int
    x: float = 0.0
    y: float = 0.0
    style: str = ""
    final: bool = False
    known: bool = True


def layers(definition: WorkflowDef) -> dict[str, int]:
    """Breadth-first distance of each state from the first; unreachable ones one layer below."""
    depth: dict[str, int] = {}
    if definition.states:
        queue = deque([definition.initial_state])
        depth[definition.initial_state] = 0
        while queue:
            state = queue.popleft()
            for t in definition.outgoing(state):
                if t.next_state not in depth:
                    depth[t.next_state] = depth[state] + 1
                    queue.append(t.next_state)
    bottom = max(depth.values(), default=-1) + 1
    for s in definition.states:
        depth.setdefault(s.state, bottom)
    for t in definition.transitions:
        depth.setdefault(t.state, bottom)
        depth.setdefault(t.next_state, bottom)
    return depth


def _text_width(text: str) -> float:
    return sum(FONT if ord(ch) > 0x2E80 else FONT * 0.58 for ch in text)


def mode_label(mode: str) -> str:
    return {"All": _("All approve (countersign)"), "Any": _("Any one approves")}.get(mode, "")


def performer_label(t: Transition) -> str:
    """Who takes a transition, as a short label."""
    if t.approver_type == "User":
        return t.approver
    if t.approver_type == "Supervisor":
        return _("Supervisor {levels} up", levels=t.approver or "1")
    if t.approver_type == "Field":
        return _("User in {field}", field=t.approver)
    if t.approver_type == "Role" and t.approver:
        return _(t.approver)
    return _(t.allowed) if t.allowed else ""


def _place(definition: WorkflowDef) -> tuple[dict[str, Node], int, int]:
    depth = layers(definition)
    known = {s.state: s for s in definition.states}
    order = [s.state for s in definition.states] + [
        n for t in definition.transitions for n in (t.state, t.next_state) if n not in known
    ]
    by_layer: dict[int, list[str]] = {}
    for name in dict.fromkeys(order):
        by_layer.setdefault(depth[name], []).append(name)
    widest = max((len(v) for v in by_layer.values()), default=1)
    nodes: dict[str, Node] = {}
    for layer, names in by_layer.items():
        offset = (widest - len(names)) * COLUMN / 2
        for i, name in enumerate(names):
            row = known.get(name)
            nodes[name] = Node(
                state=name,
                layer=layer,
                x=MARGIN + LANE * 3 + offset + i * COLUMN + (COLUMN - NODE_W) / 2,
                y=MARGIN + layer * ROW,
                style=row.style if row else "",
                final=bool(row and row.is_final),
                known=row is not None,
            )
    return nodes, widest, (max(by_layer, default=0) + 1)


def _label(x: float, y: float, lines: list[str], colour: str) -> str:
    width = max((_text_width(line) for line in lines), default=0) + 10
    height = len(lines) * (FONT + 3) + 6
    parts = [
        f'<rect x="{x - width / 2:.1f}" y="{y - height / 2:.1f}" width="{width:.1f}" '
        f'height="{height}" rx="4" fill="#fff" fill-opacity="0.92" stroke="{colour}" '
        'stroke-opacity="0.35"/>'
    ]
    for i, line in enumerate(lines):
        ty = y - height / 2 + 3 + (i + 1) * (FONT + 3) - 3
        weight = ' font-weight="600"' if i == 0 else ""
        parts.append(
            f'<text x="{x:.1f}" y="{ty:.1f}" text-anchor="middle" fill="{colour}"{weight}>'
            f"{escape(line)}</text>"
        )
    return "".join(parts)


def render_svg(definition: WorkflowDef) -> SafeString:
    """The diagram as inline SVG markup (escaped; ids and classes stable for tests)."""
    nodes, widest, depth = _place(definition)
    width = MARGIN * 2 + LANE * 6 + widest * COLUMN
    height = MARGIN * 2 + (depth - 1) * ROW + NODE_H + 20
    middle = width / 2
    out = [
        f'<svg class="wf-diagram-svg" xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" '
        f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
        f'aria-label="{escape(_("Workflow diagram"))}" font-size="{FONT}" '
        'font-family="Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif">',
        "<defs>"
        '<marker id="wf-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="#4b5563"/></marker>'
        '<marker id="wf-arrow-red" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="#b91c1c"/></marker>'
        "</defs>",
    ]
    edges, labels = [], []
    pair_count: dict[tuple[str, str], int] = {}
    for t in definition.transitions:
        pair_count[(t.state, t.next_state)] = pair_count.get((t.state, t.next_state), 0) + 1
    pair_seen: dict[tuple[str, str], int] = {}
    lanes = {"left": 0, "right": 0}
    for index, t in enumerate(definition.transitions):
        source, target = nodes[t.state], nodes[t.next_state]
        key = (t.state, t.next_state)
        k, m = pair_seen.get(key, 0), pair_count[key]
        pair_seen[key] = k + 1
        spread = (k - (m - 1) / 2) * 18
        colour = "#b91c1c" if t.is_exception else "#4b5563"
        dash = ' stroke-dasharray="7 5"' if t.is_exception else ""
        marker = "wf-arrow-red" if t.is_exception else "wf-arrow"
        sx, sy = source.x + NODE_W / 2, source.y + NODE_H / 2
        tx, ty = target.x + NODE_W / 2, target.y + NODE_H / 2
        if t.state == t.next_state:
            x0, y0 = source.x + NODE_W, sy - 8
            path = f"M{x0:.1f} {y0:.1f} C{x0 + 50:.1f} {y0 - 40:.1f} {x0 + 50:.1f} {y0 + 56:.1f} {x0:.1f} {y0 + 16:.1f}"
            lx, ly = x0 + 46, sy - 30 - k * 30
        elif target.layer > source.layer:
            x0, y0 = sx + spread, source.y + NODE_H
            x1, y1 = tx + spread, target.y
            bend = (y1 - y0) * 0.45
            path = f"M{x0:.1f} {y0:.1f} C{x0:.1f} {y0 + bend:.1f} {x1:.1f} {y1 - bend:.1f} {x1:.1f} {y1:.1f}"
            # The label sits where the curve is half way, nudged apart for parallel arrows.
            lx, ly = (x0 + x1) / 2, (y0 + y1) / 2 + (k - (m - 1) / 2) * 34
        elif target.layer == source.layer:
            # Side by side: an arc over the boxes, from the facing sides.
            facing = 1 if tx > sx else -1
            x0, x1 = sx + facing * NODE_W / 2, tx - facing * NODE_W / 2
            y0 = y1 = source.y + 12
            lift = 28 + abs(x1 - x0) * 0.12 + k * 26
            path = f"M{x0:.1f} {y0:.1f} C{x0 + facing * 30:.1f} {y0 - lift:.1f} {x1 - facing * 30:.1f} {y1 - lift:.1f} {x1:.1f} {y1:.1f}"
            lx, ly = (x0 + x1) / 2, y0 - lift * 0.75
        else:
            side = "left" if (sx + tx) / 2 < middle else "right"
            lane = lanes[side]
            lanes[side] = lane + 1
            if side == "left":
                edge_x = min(source.x, target.x)
                x0, x1 = source.x, target.x
                lane_x = edge_x - LANE * (1 + lane % 3) - 8
            else:
                edge_x = max(source.x, target.x) + NODE_W
                x0, x1 = source.x + NODE_W, target.x + NODE_W
                lane_x = edge_x + LANE * (1 + lane % 3) + 8
            y0, y1 = sy + spread / 3, ty + spread / 3
            path = (
                f"M{x0:.1f} {y0:.1f} C{lane_x:.1f} {y0:.1f} {lane_x:.1f} {y1:.1f} {x1:.1f} {y1:.1f}"
            )
            lx, ly = (x0 + 3 * lane_x + 3 * lane_x + x1) / 8, (y0 + y1) / 2
        lines = [_(t.action)]
        who = " · ".join(p for p in (performer_label(t), mode_label(t.approval_mode)) if p)
        if who:
            lines.append(who)
        if t.is_exception:
            lines.append(_("Exception path"))
        title = f"{_(t.state)} → {_(t.next_state)}: {' · '.join(lines)}"
        edges.append(
            f'<g class="wf-edge{" wf-edge-exception" if t.is_exception else ""}" '
            f'data-index="{index}" data-action="{escape(t.action)}">'
            f"<title>{escape(title)}</title>"
            f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="1.6"{dash} '
            f'marker-end="url(#{marker})"/></g>'
        )
        labels.append(f'<g class="wf-edge-label">{_label(lx, ly, lines, colour)}</g>')
    out += edges
    for node in nodes.values():
        fill, stroke = STYLE_COLOURS.get(node.style, STYLE_COLOURS[""])
        dash = "" if node.known else ' stroke-dasharray="4 3"'
        first = node.state == definition.initial_state
        out.append(
            f'<g class="wf-node{"" if node.known else " wf-node-unknown"}" '
            f'data-state="{escape(node.state)}">'
            f'<rect x="{node.x:.1f}" y="{node.y:.1f}" width="{NODE_W}" height="{NODE_H}" '
            f'rx="10" fill="{fill}" stroke="{stroke}" stroke-width="{2.5 if first else 1.5}"{dash}/>'
        )
        if node.final:
            out.append(
                f'<rect x="{node.x + 4:.1f}" y="{node.y + 4:.1f}" width="{NODE_W - 8}" '
                f'height="{NODE_H - 8}" rx="7" fill="none" stroke="{stroke}"/>'
            )
        out.append(
            f'<text x="{node.x + NODE_W / 2:.1f}" y="{node.y + NODE_H / 2 + 5:.1f}" '
            f'text-anchor="middle" font-size="14" font-weight="600" fill="{stroke}">'
            f"{escape(_(node.state))}</text></g>"
        )
    out += labels
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every piece of text above is escaped
