"""Publishing: keys, manifest signing and the snapshot directory writer."""
