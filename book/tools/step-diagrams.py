#!/usr/bin/env python3
"""Writes book/src/diagrams/step1.svg ... step5.svg, the pictures of the
five step programs (examples/step1_client.rs ... step5_network.rs).

Each picture shows the threads of one step program, the channels between
them (a mailbox is drawn as a row of slots; the steps' channels are
unbounded, so the row ends in an ellipsis), and who sends what, numbered in
the order the chapter's caption tells it. Colours: orange for messages to
the room (ToRoom), blue for messages to a client (ToClient), purple for
lines on their way to the screen, grey bands for TCP connections. Text and
lines use currentColor, so a picture follows the book's theme, light or
dark; the accents are mid-tones that read on both.

The book includes each SVG inline, inside an HTML block, where a blank
line would end the block: none is written. Run it from anywhere:

    python3 book/tools/step-diagrams.py

and look at the pages (see .ci/check-book for the build).
"""

from pathlib import Path
from xml.sax.saxutils import escape

OUT = Path(__file__).resolve().parent.parent / "src" / "diagrams"

STYLE = """<style>
.cr-diagram { max-width: 100%; height: auto; }
.cr-diagram text { fill: currentColor; font-family: "Open Sans", "Helvetica Neue", Arial, sans-serif; font-size: 14px; white-space: pre; }
.cr-diagram .cr-code { font-family: "Source Code Pro", Consolas, Menlo, monospace; font-size: 12.5px; }
.cr-diagram .cr-small { font-size: 12px; }
.cr-diagram .cr-title { font-weight: 700; }
.cr-diagram .cr-box { fill: currentColor; fill-opacity: 0.05; stroke: currentColor; stroke-width: 1.5; }
.cr-diagram .cr-program { fill: none; stroke: currentColor; stroke-width: 1.5; stroke-dasharray: 8 5; }
.cr-diagram .cr-slot { fill: #1aa3a3; fill-opacity: 0.2; stroke: #1aa3a3; stroke-width: 1.5; }
.cr-diagram .cr-room { fill: none; stroke: #e0761b; stroke-width: 2.2; }
.cr-diagram .cr-client { fill: none; stroke: #3d7fe0; stroke-width: 2.2; }
.cr-diagram .cr-print { fill: none; stroke: #8a63d2; stroke-width: 2.2; }
.cr-diagram .cr-spawn { fill: none; stroke: currentColor; stroke-width: 1.5; stroke-dasharray: 6 4; }
.cr-diagram .cr-wire { fill: none; stroke: currentColor; stroke-width: 7; stroke-opacity: 0.15; }
.cr-diagram text.cr-room-text { fill: #e0761b; }
.cr-diagram text.cr-client-text { fill: #3d7fe0; }
.cr-diagram text.cr-print-text { fill: #8a63d2; }
.cr-diagram .cr-num { fill: none; stroke: currentColor; stroke-width: 1.5; }
.cr-diagram text.cr-num-text { font-size: 12px; font-weight: 700; text-anchor: middle; }
</style>"""

KINDS = {"room": "#e0761b", "client": "#3d7fe0", "print": "#8a63d2", "spawn": "currentColor"}


class Svg:
    def __init__(self, step, width, height, title, desc, note):
        self.step = step
        self.parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" class="cr-diagram" viewBox="0 0 {width} {height}" '
            f'role="img" aria-labelledby="cr{step}-title cr{step}-desc">',
            f"<!-- Step {step} of the chatroom book: {escape(note)} Written by book/tools/step-diagrams.py. -->",
            f'<title id="cr{step}-title">{escape(title)}</title>',
            f'<desc id="cr{step}-desc">{escape(desc)}</desc>',
            STYLE,
            "<defs>",
        ]
        for kind, colour in KINDS.items():
            self.parts.append(
                f'<marker id="cr{step}-a-{kind}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
                f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
            )
        self.parts.append("</defs>")

    def comment(self, text):
        self.parts.append(f"<!-- {escape(text)} -->")

    def box(self, x, y, w, h, title=None, lines=(), cls="cr-box", code=True, sub=None):
        self.parts.append(f'<rect class="{cls}" x="{x}" y="{y}" width="{w}" height="{h}" rx="10"/>')
        ty = y + 22
        if title:
            self.text(x + 12, ty, title, "cr-title")
            ty += 22
        if sub:
            self.text(x + 12, ty - 4, sub, "cr-small")
            ty += 20
        for line in lines:
            self.text(x + 12, ty, line, "cr-code" if code else "cr-small")
            ty += 18

    def text(self, x, y, text, cls=""):
        cls_attr = f' class="{cls}"' if cls else ""
        self.parts.append(f'<text{cls_attr} x="{x}" y="{y}">{escape(text)}</text>')

    def slots(self, x, y, filled=(), label=None, label_at="below", empty=2):
        """A mailbox: a row of slots, messages in the first ones, then an
        ellipsis (the steps' channels are unbounded)."""
        sx = x
        for kind in filled:
            self.parts.append(f'<rect class="cr-slot" x="{sx}" y="{y}" width="24" height="20"/>')
            self.parts.append(
                f'<rect x="{sx + 6}" y="{y + 6}" width="12" height="8" fill="{KINDS[kind]}" fill-opacity="0.8"/>'
            )
            sx += 24
        for _ in range(empty):
            self.parts.append(f'<rect class="cr-slot" x="{sx}" y="{y}" width="24" height="20"/>')
            sx += 24
        self.text(sx + 4, y + 15, "…")
        if label:
            if label_at == "below":
                self.text(x, y + 36, label, "cr-small")
            else:
                self.text(x, y - 8, label, "cr-small")
        return sx + 16  # right end

    def arrow(self, d, kind):
        cls = {"room": "cr-room", "client": "cr-client", "print": "cr-print", "spawn": "cr-spawn"}[kind]
        self.parts.append(f'<path class="{cls}" d="{d}" marker-end="url(#cr{self.step}-a-{kind})"/>')

    def line(self, d, kind):
        """A path without an arrowhead: a branch that joins another arrow."""
        cls = {"room": "cr-room", "client": "cr-client", "print": "cr-print", "spawn": "cr-spawn"}[kind]
        self.parts.append(f'<path class="{cls}" d="{d}"/>')

    def wire(self, d):
        self.parts.append(f'<path class="cr-wire" d="{d}"/>')

    def num(self, x, y, n):
        self.parts.append(f'<circle class="cr-num" cx="{x}" cy="{y}" r="10"/>')
        self.text(x, y + 4, str(n), "cr-num-text")

    def label(self, x, y, text, kind, code=True):
        cls = ("cr-code cr-small " if code else "cr-small ") + f"cr-{kind}-text"
        self.text(x, y, text, cls)

    def write(self, name):
        self.parts.append("</svg>")
        body = "\n".join(self.parts) + "\n"
        assert "\n\n" not in body, "a blank line would end mdBook's HTML block"
        (OUT / name).write_text(body, encoding="utf-8")


def step1():
    s = Svg(
        1, 800, 350,
        "Step 1: main plays the room for one client",
        "main calls client::join_room(&me, \"Michael\", &console). (1) join_room sends ToRoom::Join "
        "with the client's pid into main's own mailbox, my_mailbox, and (2) spawns the client's "
        "thread, moving the client's mailbox into it. (3) main sends ToClient::Message(\"Hello\") to "
        "the client's pid; client_loop receives it. (4) The client sends the line "
        "\"Michael's client: Hello\" down the console channel; main receives it from screen and prints "
        "it. Later main takes the join out of my_mailbox with try_recv, as IEx's flush() does.",
        "main plays the room, one client thread with its mailbox, and the console that main prints.",
    )
    s.comment("main, with its own mailbox (it plays the room) and the screen it prints")
    s.box(20, 40, 360, 290, "main thread", [
        'client::join_room(&me, "Michael", …)',
        'client.send(Message("Hello"))',
        "print_next(&screen, 1)",
        "my_mailbox.try_recv()",
    ], sub="plays the room, as IEx's self does in the post")
    s.slots(40, 200, ["room"], "my_mailbox: main's own mailbox")
    s.slots(40, 268, ["print"], "screen: the console's receiving end;")
    s.text(40, 320, "main prints what arrives on stdout", "cr-small")
    s.comment("1: the join goes into main's own mailbox")
    s.arrow("M 316 100 C 360 120, 340 200, 150 208", "room")
    s.num(352, 160, 1)
    s.label(180, 196, "ToRoom::Join", "room")
    s.comment("2: spawn the client's thread")
    s.arrow("M 380 56 C 420 36, 450 36, 476 58", "spawn")
    s.num(430, 26, 2)
    s.text(448, 30, "thread::spawn(move || …)", "cr-small")
    s.comment("the client thread and its mailbox")
    s.box(460, 60, 320, 110, "client thread: client_loop", [
        "for message in mailbox {",
        "    console.send(…)",
        "}",
    ])
    s.slots(500, 210, ["client"], "Michael's mailbox (unbounded)")
    s.arrow("M 512 208 L 512 174", "client")
    s.comment("3: main sends Hello to the client's pid")
    s.arrow("M 260 118 C 400 130, 420 220, 494 220", "client")
    s.num(426, 196, 3)
    s.label(560, 202, 'Message("Hello")', "client")
    s.comment("4: the client's line goes to the console, which main prints")
    s.arrow("M 740 170 C 760 300, 500 290, 150 278", "print")
    s.num(650, 284, 4)
    s.label(480, 318, "\"Michael's client: Hello\"", "print")
    s.write("step1.svg")


def step2():
    s = Svg(
        2, 800, 400,
        "Step 2: a room thread, and three clients joining it",
        "main starts the room (1): server::start spawns room_loop with an empty list. Three clients "
        "join one after another (2): each join_room sends ToRoom::Join into the room's mailbox. The "
        "room alone owns clients, newest first. When Mick joins, the room sends \"Mick has "
        "joined the room\" to Mikey and to Michael (3), then puts Mick at the front of the list. Each "
        "client sends its line down the console channel to main, which prints it (4).",
        "main, the room thread that owns its list, and three client threads.",
    )
    s.box(20, 40, 220, 190, "main thread", [
        "server::start()",
        "join_room(&room, \"Michael\")",
        "join_room(&room, \"Mikey\")",
        "join_room(&room, \"Mick\")",
        "print_next(&screen, n)",
    ])
    s.slots(36, 300, ["print", "print"], "screen: main prints it", label_at="above")
    s.comment("1: main starts the room")
    s.arrow("M 140 62 C 300 30, 400 60, 420 146", "spawn")
    s.num(300, 44, 1)
    s.comment("2: the joins, into the room's mailbox")
    s.slots(262, 190, ["room", "room", "room"], None, empty=0)
    s.text(262, 182, "room's mailbox", "cr-small")
    s.arrow("M 240 200 L 258 200", "room")
    s.num(250, 160, 2)
    s.label(262, 236, "ToRoom::Join", "room")
    s.arrow("M 352 200 L 358 200", "room")
    s.box(362, 150, 188, 170, "room thread", [
        "room_loop(mailbox,",
        "          clients)",
        "clients, newest first:",
        "  Mick  ← after",
        "  Mikey",
        "  Michael",
    ])
    s.comment("three clients, each with its mailbox in front")
    ys = {"Mick": 40, "Mikey": 150, "Michael": 260}
    for name, y in ys.items():
        s.box(654, y, 132, 64, f"{name}'s client", ["client_loop"])
        s.slots(562, y + 22, ["client"] if name != "Mick" else [], None, empty=2 if name != "Mick" else 3)
    s.comment("3: the broadcast, to the members already in")
    s.arrow("M 550 200 C 556 190, 552 182, 558 182", "client")
    s.arrow("M 550 260 C 556 280, 552 292, 558 292", "client")
    s.num(572, 236, 3)
    s.label(560, 134, '"Mick has', "client")
    s.label(560, 148, ' joined…"', "client")
    s.comment("4: clients print through the console, which main reads")
    s.line("M 786 182 L 796 182", "print")
    s.arrow("M 786 292 L 796 292 L 796 370 L 200 370 C 150 370, 140 350, 136 322", "print")
    s.num(420, 370, 4)
    s.text(440, 362, "console", "cr-small cr-print-text")
    s.write("step2.svg")


def step3():
    s = Svg(
        3, 800, 380,
        "Step 3: posting, and finding the speaker by pid",
        "main calls client::post_message(&michael, &room, \"Hello!\"), which sends the room "
        "ToRoom::Message with Michael's pid as from (1). The room looks from up in its own list with "
        "same_channel and finds the name Michael (2), and sends \"Michael says: Hello!\" to every "
        "member, Michael included (3). Each client sends its line down the console channel to main, "
        "which prints it (4).",
        "main posts for Michael; the room finds the speaker by pid and tells everyone.",
    )
    s.box(20, 40, 220, 170, "main thread", [
        "post_message(",
        "    &michael,",
        "    &room,",
        "    \"Hello!\")",
        "print_next(&screen, 2)",
    ])
    s.slots(36, 290, ["print", "print"], "screen: main prints it", label_at="above")
    s.slots(250, 120, ["room"], None, empty=1)
    s.text(250, 112, "room's mailbox", "cr-small")
    s.arrow("M 150 84 C 200 84, 220 110, 246 126", "room")
    s.num(212, 80, 1)
    s.label(250, 160, "Message {", "room")
    s.label(250, 174, "  from: michael,", "room")
    s.label(250, 188, "  text: \"Hello!\" }", "room")
    s.arrow("M 320 140 C 340 140, 340 200, 356 206", "room")
    s.box(356, 200, 252, 140, "room thread", [
        "clients.iter().find(|(pid, _)|",
        "  pid.same_channel(&from))",
        "  Mikey",
        "  Michael  ← the speaker",
    ])
    s.num(620, 230, 2)
    for name, y in {"Mikey": 60, "Michael": 260}.items():
        s.box(700, y, 86, 64, name, ["loop"])
        s.slots(610, y + 22, ["client"], None, empty=2)
    s.comment("3: to everyone, the speaker included")
    s.arrow("M 520 200 C 540 150, 580 92, 606 92", "client")
    s.arrow("M 610 300 L 606 292", "client")
    s.num(560, 120, 3)
    s.label(390, 60, '"Michael says: Hello!"', "client")
    s.label(390, 76, "  to every member", "client")
    s.line("M 786 92 L 796 92", "print")
    s.arrow("M 786 292 L 796 292 L 796 360 L 200 360 C 150 360, 140 340, 136 312", "print")
    s.num(420, 360, 4)
    s.text(440, 352, "console", "cr-small cr-print-text")
    s.write("step3.svg")


def step4():
    s = Svg(
        4, 800, 340,
        "Step 4: the room registered under a name",
        "main starts a room and registers its pid as \"chatroom\" in a Registry, a HashMap from "
        "names to pids that main owns (1). Then it looks the name up with whereis, which returns a "
        "clone of the pid (2). Clients join the room through that pid (3), as in step 2; the room "
        "does not know its name. Registering a second room as \"chatroom\" is refused with an Err "
        "(4).",
        "main's registry, a table from names to pids; the room and its clients as in step 3.",
    )
    s.box(20, 20, 340, 180, "main thread", [
        "let room = server::start();",
        "registry.register(\"chatroom\", room)",
        "let chatroom = registry",
        "    .whereis(\"chatroom\").unwrap();",
        "join_room(&chatroom, \"Michael\")",
        "join_room(&chatroom, \"Mikey\")",
        "registry.register(\"chatroom\", …)",
    ])
    s.comment("the registry: the table of names, owned by main")
    s.box(20, 240, 340, 84, "Registry, owned by main", [
        "HashMap<String, Sender<ToRoom>>",
        "\"chatroom\" → the room's pid",
    ])
    s.comment("1: the pid moves into the table; 2: whereis hands back a clone")
    s.arrow("M 300 76 C 330 100, 330 200, 300 236", "spawn")
    s.num(340, 222, 1)
    s.arrow("M 60 236 C 20 200, 10 120, 26 100", "spawn")
    s.num(40, 222, 2)
    s.comment("4: a second register of the same name is refused")
    s.arrow("M 200 190 L 200 236", "spawn")
    s.num(186, 216, 4)
    s.text(212, 222, "Err: taken", "cr-small")
    s.comment("the room and its clients")
    s.slots(410, 150, ["room", "room"], None, empty=1)
    s.text(410, 142, "room's mailbox", "cr-small")
    s.arrow("M 270 136 C 340 136, 370 160, 406 160", "room")
    s.num(384, 128, 3)
    s.arrow("M 510 160 L 522 160", "room")
    s.box(526, 110, 124, 110, "room thread", ["clients:", "  Mikey", "  Michael"])
    s.text(526, 240, "it does not", "cr-small")
    s.text(526, 256, "know its name", "cr-small")
    for name, y in {"Mikey": 40, "Michael": 240}.items():
        s.box(690, y, 100, 60, name, ["loop"])
    s.arrow("M 650 140 C 670 120, 670 80, 686 72", "client")
    s.arrow("M 650 200 C 670 220, 670 260, 686 268", "client")
    s.write("step4.svg")


def step5():
    s = Svg(
        5, 800, 470,
        "Step 5: the room served over TCP",
        "Three programs: room1 serves the room; room2 (Michael) and room3 (Mikey) each hold one TCP "
        "connection to it. In room1, each connection has a connection thread and a writer thread. "
        "(1) Mikey types a line; post_message writes {\"type\":\"message\",...} to his connection. "
        "(2) His connection thread sends the room ToRoom::Message with the pid of his writer. "
        "(3) The room sends each member's writer a ToClient::Message. (4) Each writer writes it to "
        "its socket as a JSON line. (5) Each client's client_loop reads it and prints it.",
        "three programs, TCP between them; in room1 the room, the registry, and a connection thread "
        "and a writer thread per client.",
    )
    s.comment("room1: the program that serves the room")
    s.box(10, 14, 524, 446, None, cls="cr-program")
    s.text(24, 38, "room1: step5_network -- serve", "cr-title")
    s.box(26, 52, 214, 82, "Registry", ["Arc<Mutex<HashMap<…>>>"])
    s.text(38, 120, "\"chatroom\" → the room's pid", "cr-small")
    s.slots(60, 176, ["room"], None)
    s.text(60, 168, "room's mailbox", "cr-small")
    s.arrow("M 72 198 L 72 214", "room")
    s.box(26, 218, 214, 110, "room thread", ["room_loop: step 3's,", "unchanged", "clients: Mikey, Michael"])
    conns = {"Michael": 56, "Mikey": 250}
    for name, y in conns.items():
        s.box(300, y, 210, 52, f"connection: {name}", code=False)
        s.text(312, y + 42, "reads lines → ToRoom", "cr-code")
        s.slots(330, y + 68, ["client"], None, empty=1)
        s.arrow(f"M 342 {y + 90} L 342 {y + 100}", "client")
        s.box(300, y + 102, 210, 52, f"writer: {name}", code=False)
        s.text(312, y + 144, "ToClient → lines", "cr-code")
    s.comment("2: Mikey's connection thread posts for him")
    s.arrow("M 300 276 C 220 276, 200 186, 136 186", "room")
    s.num(270, 258, 2)
    s.label(26, 352, "ToRoom::Message {", "room")
    s.label(26, 368, "  from: Mikey's writer's pid }", "room")
    s.comment("3: the room sends each writer's mailbox")
    s.arrow("M 240 240 C 280 240, 290 134, 326 134", "client")
    s.arrow("M 240 300 C 280 320, 290 328, 326 328", "client")
    s.num(276, 196, 3)
    s.comment("the clients, in other terminals, and the TCP connections")
    for name, node, y in (("Michael", "room2", 56), ("Mikey", "room3", 250)):
        s.box(580, y, 206, 154, f"{node}: join {name}", [
            "main: stdin →",
            "  post_message",
            "client_loop:",
            "  lines → console",
        ])
        s.wire(f"M 510 {y + 26} L 580 {y + 26}")
        s.wire(f"M 510 {y + 128} L 580 {y + 128}")
        s.text(530, y + 16, "TCP", "cr-small")
        s.num(764, y + 134, 5)
    s.comment("1: Mikey's line goes to his connection thread")
    s.arrow("M 580 276 L 514 276", "room")
    s.num(546, 296, 1)
    s.comment("4: the writers write lines to the sockets")
    s.arrow("M 510 184 L 576 184", "client")
    s.arrow("M 510 378 L 576 378", "client")
    s.num(546, 204, 4)
    s.num(546, 398, 4)
    s.label(26, 420, 'each writer: {"type":"message",', "client")
    s.label(26, 436, '  "text":"Mikey says: Hello from room3!"}', "client")
    s.write("step5.svg")


if __name__ == "__main__":
    step1()
    step2()
    step3()
    step4()
    step5()
    print(f"wrote step1.svg ... step5.svg in {OUT}")
