// "Check": the path from the customer's leaf to the root, drawn from a verification
// result. Each level shows two boxes, left and right child; the customer's side is
// the node this page computed, the other is the sibling from the proof.

import { toHex } from "./protocol/parse.js";
import { t } from "./i18n.js";
import { el, shortHash, sumsView } from "./ui.js";

// Every word this module shows is in the message catalogue (static/i18n/), under "pathview.".

/** One node of the path: its role, its hash (full value in the title) and every sum ("+N more" opens the rest). */
function box(node, assets, { mine, label }) {
  return el("div", { class: mine ? "node mine" : "node", "data-side": mine ? "mine" : "sibling" },
    el("span", { class: "label", text: label }),
    shortHash(toHex(node.hash)),
    sumsView(node.sums.map(String), assets, "div"));
}

/** An <li> per level, root first; `result` comes from verifyInclusion (path[k] = computed node at level k). */
export function pathItems(result) {
  const { proof, path, computedRoot } = result;
  const assets = proof.assets;
  const height = proof.root.height;
  const items = [
    el("li", { class: "level root-level" },
      el("span", { class: "level-name", text: t("pathview.root", { height }) }),
      el("div", { class: "pair single" },
        box(computedRoot, assets, { mine: true, label: t(result.anchored ? "pathview.anchored" : "pathview.unanchored") }))),
  ];
  for (let k = height - 1; k >= 0; k -= 1) {
    const right = ((proof.leaf.index >> BigInt(k)) & 1n) === 1n;
    const mine = box(path[k], assets, { mine: true, label: t(k === 0 ? "pathview.leaf" : "pathview.path") });
    const sibling = box(proof.siblings[k], assets, { mine: false, label: t("pathview.sibling") });
    items.push(el("li", { class: "level" },
      el("span", { class: "level-name", text: k === 0 ? t("pathview.leaves") : t("pathview.level", { k }) }),
      el("div", { class: "pair" }, right ? [sibling, mine] : [mine, sibling])));
  }
  if (height === 0) items[0].querySelector(".label").textContent = t("pathview.leafIsRoot");
  return items;
}

/**
 * v2: the path of one held asset's entry (`symbol`), root first, from verifyProofBytesV2's
 * result: result.paths.get(symbol)[k] is the node this page computed at level k, the
 * entry's siblings[k] the other side; every node has one sum, of that asset.
 */
export function pathItemsV2(result, symbol) {
  const entry = result.proof.entries.find((e) => e.symbol === symbol);
  const path = result.paths.get(symbol);
  const assets = [entry];
  const one = (node) => ({ hash: node.hash, sums: [node.sum] });
  const height = entry.root.height;
  const items = [
    el("li", { class: "level root-level" },
      el("span", { class: "level-name", text: t("pathview.rootOf", { symbol, height }) }),
      el("div", { class: "pair single" },
        box(one(path[height]), assets, {
          mine: true,
          label: t(result.anchored ? "pathview.anchoredOf" : "pathview.unanchoredOf", { symbol }),
        }))),
  ];
  for (let k = height - 1; k >= 0; k -= 1) {
    const right = ((entry.index >> BigInt(k)) & 1n) === 1n;
    const mine = box(one(path[k]), assets, { mine: true, label: k === 0 ? t("pathview.leafOf", { symbol }) : t("pathview.path") });
    const sibling = box(one(entry.siblings[k]), assets, { mine: false, label: t("pathview.sibling") });
    items.push(el("li", { class: "level" },
      el("span", { class: "level-name", text: k === 0 ? t("pathview.leaves") : t("pathview.level", { k }) }),
      el("div", { class: "pair" }, right ? [sibling, mine] : [mine, sibling])));
  }
  if (height === 0) items[0].querySelector(".label").textContent = t("pathview.leafIsRootOf", { symbol });
  return items;
}
