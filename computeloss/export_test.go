package computeloss

// nopItem is a work item that does nothing.
func nopItem(slot, k int) {}

// EmptyRegion runs one region of workers goroutines through a call's three
// steps with items that do nothing: plain plain-block items, opened after
// the region begins, then matches match items, then matched matched-block
// items. It is what the worker pool costs on its own, for TestZeroAllocs.
func EmptyRegion(r *Region, workers, plain, matches, matched int) {
	r.r.begin(workers)
	r.r.publish(stepPlainBlocks, 0, nopItem)
	r.r.open(stepPlainBlocks, plain)
	r.r.publish(stepMatches, matches, nopItem)
	r.r.drain(stepMatches)
	r.r.wait(stepMatches)
	r.r.publish(stepMatchedBlocks, matched, nopItem)
	r.r.drain(stepMatchedBlocks)
	r.r.drain(stepPlainBlocks)
	r.r.wait(stepMatchedBlocks)
	r.r.wait(stepPlainBlocks)
	r.r.end()
}

// Region wraps a region for tests outside the package.
type Region struct{ r region }

// WorkItems returns the counts of a call's work items for the shapes of
// the engine's last call: objectness chunks and match chunks.
func (e *Engine[T]) WorkItems() (chunks, matchChunks int) {
	return len(e.plan.chunks), len(e.sched.mchunks)
}

// Hold marks the engine in use as a running call does, until release: a
// call in between is what a second goroutine's call would be.
func (e *Engine[T]) Hold() (release func()) {
	if !e.inUse.CompareAndSwap(false, true) {
		panic("computeloss: Hold of an engine in use")
	}
	return func() { e.inUse.Store(false) }
}
