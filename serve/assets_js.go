//go:build js

package serve

import "embed"

// static is empty in the WebAssembly engine: the page that loads it is not
// in it (the engine would otherwise contain itself).
var static embed.FS
