// "View Full Tree": from the root down, lazily. Opening a node loads only that node's
// two children (one request), so a 10,000,000-leaf tree opens as fast as a small one and
// the whole tree is never shipped. A small tree opens fully. A v2 snapshot has one tree
// per asset: open(sid, manifest, symbol) shows asset `symbol`'s tree (nodes with one sum).

import { el, shortHash, sumsText } from "./ui.js";

const SMALL_TREE_LEAVES = 16;
const LEVEL_EXPAND_LIMIT = 64;

export class TreeView {
  constructor(container, note, source) {
    this.container = container;
    this.note = note;
    this.source = source;
    this.sid = null;
    this.shape = null;
    this.mine = null; // the customer's leaf index (BigInt), once looked up
  }

  /** The tree's height, leaf count and the assets its sums are in: v1's one tree, or one asset's (v2). */
  static shapeOf(manifest, symbol) {
    if (symbol === null) return { height: manifest.root.height, leafCount: manifest.root.leafCount, assets: manifest.assets, symbol };
    const tree = manifest.assets.find((t) => t.symbol === symbol);
    return { height: tree.root.height, leafCount: tree.root.leafCount, assets: [tree], symbol };
  }

  async open(sid, manifest, symbol = null) {
    this.sid = sid;
    this.shape = TreeView.shapeOf(manifest, symbol);
    this.mine = null;
    this.note.textContent = "";
    this.container.dataset.asset = symbol ?? "";
    const root = await this.source.node(sid, this.shape.height, 0, symbol);
    this.container.replaceChildren(this.item(root));
    if (this.shape.leafCount <= BigInt(SMALL_TREE_LEAVES)) {
      while (await this.expandLevel(Infinity)) {
        /* open every level */
      }
    }
  }

  onPath(level, index) {
    return this.mine !== null && BigInt(index) === this.mine >> BigInt(level);
  }

  item(node) {
    const leaf = node.level === 0;
    const classes = ["tree-node"];
    if (node.padding) classes.push("padding");
    if (this.onPath(node.level, node.index)) classes.push("mine");
    const what = node.level === this.shape.height ? "Root" : leaf ? `Leaf ${node.index}` : `Node ${node.level}/${node.index}`;
    const body = el("span", { class: "tree-body" },
      el("span", { class: "what", text: node.padding ? `${what} (padding)` : what }),
      shortHash(node.hash),
      el("span", { class: "sums", text: sumsText(node.sums, this.shape.assets) }));
    const li = el("li", { role: "treeitem", class: classes.join(" "), "data-level": node.level, "data-index": node.index });
    if (leaf) {
      li.append(el("span", { class: "toggle-spacer", "aria-hidden": "true" }), body);
    } else {
      li.setAttribute("aria-expanded", "false");
      const toggle = el("button", { type: "button", class: "toggle", "aria-label": `Open ${what}` }, "▸");
      toggle.addEventListener("click", () => this.toggle(li));
      li.append(toggle, body);
    }
    return li;
  }

  async toggle(li, forceOpen = false) {
    const open = li.getAttribute("aria-expanded") === "true";
    if (open && !forceOpen) {
      li.setAttribute("aria-expanded", "false");
      li.querySelector(":scope > .toggle").textContent = "▸";
      li.querySelector(":scope > ul")?.setAttribute("hidden", "");
      return;
    }
    if (open) return;
    let group = li.querySelector(":scope > ul");
    if (!group) {
      const node = await this.source.node(this.sid, Number(li.dataset.level), Number(li.dataset.index), this.shape.symbol);
      group = el("ul", { role: "group" }, node.children.map((c) => this.item(c)));
      li.append(group);
    }
    group.removeAttribute("hidden");
    li.setAttribute("aria-expanded", "true");
    li.querySelector(":scope > .toggle").textContent = "▾";
  }

  /** Open every closed node whose parent is open; false when there is nothing (or too much) to open. */
  async expandLevel(limit = LEVEL_EXPAND_LIMIT) {
    const closed = [...this.container.querySelectorAll('li[aria-expanded="false"]')].filter(
      (li) => !li.parentElement.closest('li[aria-expanded="false"]') && !li.closest("ul[hidden]"),
    );
    if (!closed.length) return false;
    if (closed.length > limit) {
      this.note.textContent = `${closed.length} nodes would open at once: open them one by one (the tree is loaded node by node).`;
      return false;
    }
    this.note.textContent = "";
    await Promise.all(closed.map((li) => this.toggle(li, true)));
    return true;
  }

  collapse() {
    for (const li of this.container.querySelectorAll('li[aria-expanded="true"]')) {
      li.setAttribute("aria-expanded", "false");
      li.querySelector(":scope > .toggle").textContent = "▸";
      li.querySelector(":scope > ul")?.setAttribute("hidden", "");
    }
  }

  /** Open the path to the customer's leaf and mark it. */
  async reveal(index) {
    this.mine = index;
    for (const li of this.container.querySelectorAll("li.mine")) li.classList.remove("mine");
    let li = this.container.querySelector("li");
    for (let level = this.shape.height; li; level -= 1) {
      li.classList.add("mine");
      if (level === 0) break;
      await this.toggle(li, true);
      const child = Number(index >> BigInt(level - 1));
      li = li.querySelector(`:scope > ul > li[data-index="${child}"]`);
    }
    li?.scrollIntoView({ block: "center" });
  }
}
