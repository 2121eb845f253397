// "View Full Tree": from the root down, lazily. Opening a node loads only that node's
// two children (one request), so a 10,000,000-leaf tree opens as fast as a small one and
// the whole tree is never shipped. A small tree opens fully. A v2 snapshot has one tree
// per asset: open(sid, manifest, symbol) shows asset `symbol`'s tree (nodes with one sum).
//
// Nothing is drawn unchecked, whoever sent it (a server's API, a static site's chunks): the
// root must be the signed manifest's, and a node's two children are drawn only if they hash
// to it (protocol/verify.js parentNode, v2.js parentNodeV2). Every node shown is thus bound
// to the signed root, leaves included (a leaf's hash and sums are in its parent's hash).

import { t } from "./i18n.js";
import { sameBytes, parentNode } from "./protocol/verify.js";
import { parentNodeV2 } from "./protocol/v2.js";
import { hexBytes, toHex } from "./protocol/parse.js";
import { amountOf } from "./checked.js";
import { el, shortHash, sumsView } from "./ui.js";

/** A node as the sources answer it ({hash: hex, sums: [decimal strings]}), as bytes and BigInts; null if malformed. */
function record(node) {
  if (!Array.isArray(node?.sums)) return null;
  const sums = node.sums.map(amountOf);
  try {
    return sums.includes(null) ? null : { hash: hexBytes(node.hash, "hash", 32), sums };
  } catch (e) {
    return null;
  }
}

const sameRecord = (a, b) => a !== null && b !== null && sameBytes(a.hash, b.hash)
  && a.sums.length === b.sums.length && a.sums.every((v, i) => v === b.sums[i]);

// Every word this module shows is in the message catalogue (static/i18n/), under "treeview.".

const SMALL_TREE_LEAVES = 16;
const LEVEL_EXPAND_LIMIT = 64;

export class TreeView {
  constructor(container, note, source, hasher) {
    this.container = container;
    this.note = note;
    this.source = source;
    this.hasher = hasher;
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
    delete this.note.dataset.many;
    const root = await this.source.node(sid, this.shape.height, 0, symbol);
    const signed = TreeView.signedRoot(manifest, symbol);
    if (!sameRecord(record(root), signed)) {
      // Not the signed root: nothing of this tree is drawn.
      this.container.replaceChildren();
      this.note.textContent = t("treeview.notSigned", { root: toHex(signed.hash) });
      this.container.dataset.asset = symbol ?? "";
      return;
    }
    this.container.replaceChildren(this.item(this.placed(root, this.shape.height, 0)));
    this.container.dataset.asset = symbol ?? ""; // set once the tree shown is this asset's
    if (this.shape.leafCount <= BigInt(SMALL_TREE_LEAVES)) {
      while (await this.expandLevel(Infinity)) {
        /* open every level */
      }
    }
  }

  /** The root the signed manifest gives: v1's, or asset `symbol`'s tree's (an empty one's too). */
  static signedRoot(manifest, symbol) {
    if (symbol === null) return { hash: manifest.root.hash, sums: manifest.root.sums };
    const tree = manifest.assets.find((a) => a.symbol === symbol);
    return { hash: tree.root.hash, sums: [tree.root.sum] };
  }

  /**
   * A node as drawn: its hash and sums as sent (bound to the signed root by the checks), its
   * place (level, index) and whether it is padding worked out here from where it hangs, never
   * taken from the source (an index decides which leaf is marked as the customer's).
   */
  placed(node, level, index) {
    const real = (BigInt(this.shape.leafCount) + (1n << BigInt(level)) - 1n) >> BigInt(level); // real nodes at this level
    return { hash: node.hash, sums: node.sums, level, index, padding: BigInt(index) >= real };
  }

  /** Whether `children` (two nodes, as the source answers them) hash to the node drawn in `li`. */
  async childrenBind(li, children) {
    const [left, right] = (Array.isArray(children) && children.length === 2 ? children : [null, null]).map(record);
    const parent = JSON.parse(li.dataset.record);
    if (left === null || right === null) return false;
    const level = Number(li.dataset.level);
    let made;
    try {
      made = this.shape.symbol === null
        ? await parentNode(this.hasher, left, right, level)
        : await parentNodeV2(this.hasher, { hash: left.hash, sum: left.sums[0] }, { hash: right.hash, sum: right.sums[0] }, level, this.shape.symbol)
          .then((n) => ({ hash: n.hash, sums: [n.sum] }));
    } catch (e) {
      return false; // a sum beyond 2^128: not a tree that verifies
    }
    return sameRecord(made, record(parent));
  }

  onPath(level, index) {
    return this.mine !== null && BigInt(index) === this.mine >> BigInt(level);
  }

  item(node) {
    const leaf = node.level === 0;
    const classes = ["tree-node"];
    if (node.padding) classes.push("padding");
    if (this.onPath(node.level, node.index)) classes.push("mine");
    const what = this.what(node.level, node.index, node.padding);
    // Every level at one indent past the first few (CSS): the level number in each node says how deep it is.
    const body = el("div", { class: "tree-body" },
      el("span", { class: "what", text: what }),
      shortHash(node.hash),
      sumsView(node.sums, this.shape.assets));
    const li = el("li", { class: classes.join(" "), "data-level": node.level, "data-index": node.index });
    li.dataset.record = JSON.stringify({ hash: node.hash, sums: node.sums }); // what its children must hash to
    if (leaf) {
      li.append(el("span", { class: "toggle-spacer", "aria-hidden": "true" }), body);
    } else {
      li.dataset.open = "false";
      const toggle = el("button", { type: "button", class: "toggle", "aria-label": t("treeview.open", { what }), "aria-expanded": "false" }, "▸");
      toggle.addEventListener("click", () => this.toggle(li));
      li.append(toggle, body);
    }
    return li;
  }

  /** A node's name: "Root · level 17", "Leaf 5 · level 0", "Level 3 · node 2", "(padding)" added. */
  what(level, index, padding) {
    const what = level === this.shape.height ? t("treeview.root", { level })
      : level === 0 ? t("treeview.leaf", { index: String(index) }) : t("treeview.node", { level, index: String(index) });
    return padding ? t("treeview.padding", { what }) : what;
  }

  /** Name every node shown again, in the page's (new) language. */
  relabel() {
    if (!this.shape) return;
    for (const li of this.container.querySelectorAll("li.tree-node")) {
      const what = this.what(Number(li.dataset.level), li.dataset.index, li.classList.contains("padding"));
      const label = li.querySelector(":scope > .tree-body > .what");
      if (label) label.textContent = what;
      li.querySelector(":scope > .toggle")?.setAttribute("aria-label", t("treeview.open", { what }));
    }
    if (this.note.dataset.many) this.note.textContent = t("treeview.tooMany", { n: Number(this.note.dataset.many) });
  }

  async toggle(li, forceOpen = false) {
    const open = li.dataset.open === "true";
    if (open && !forceOpen) {
      this.mark(li, false);
      return;
    }
    if (open) return;
    let group = li.querySelector(":scope > ul");
    if (!group) {
      const node = await this.source.node(this.sid, Number(li.dataset.level), Number(li.dataset.index), this.shape.symbol);
      if (!(await this.childrenBind(li, node.children))) {
        this.note.textContent = t("treeview.notBound", { what: this.what(Number(li.dataset.level), li.dataset.index, false) });
        return;
      }
      const level = Number(li.dataset.level) - 1;
      const first = 2 * Number(li.dataset.index);
      group = el("ul", {}, node.children.map((c, k) => this.item(this.placed(c, level, first + k))));
      li.append(group);
    }
    this.mark(li, true);
  }

  /** Show an item open (its children shown) or closed, on the item, its toggle and its group alike. */
  mark(li, open) {
    li.dataset.open = String(open);
    const toggle = li.querySelector(":scope > .toggle");
    toggle.textContent = open ? "▾" : "▸";
    toggle.setAttribute("aria-expanded", String(open));
    const group = li.querySelector(":scope > ul");
    if (group) group.hidden = !open;
  }

  /** Open every closed node whose parent is open; false when there is nothing (or too much) to open. */
  async expandLevel(limit = LEVEL_EXPAND_LIMIT) {
    const closed = [...this.container.querySelectorAll('li[data-open="false"]')].filter(
      (li) => !li.parentElement.closest('li[data-open="false"]') && !li.closest("ul[hidden]"),
    );
    if (!closed.length) return false;
    if (closed.length > limit) {
      this.note.textContent = t("treeview.tooMany", { n: closed.length });
      this.note.dataset.many = String(closed.length);
      return false;
    }
    this.note.textContent = "";
    delete this.note.dataset.many;
    await Promise.all(closed.map((li) => this.toggle(li, true)));
    return true;
  }

  collapse() {
    for (const li of this.container.querySelectorAll('li[data-open="true"]')) this.mark(li, false);
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
