// Package synth generates the synthetic detection dataset of the experiment,
// in YOLOv5's layout, so that YOLOv5 can train on the same files unchanged.
//
// # The images
//
// Each image is Size×Size RGB. The background is a texture: two random colours
// c0, c1 mixed by two sinusoidal gratings of random period (4 to 32 px),
// direction and phase, plus Gaussian noise of σ 4 to 12 per channel:
//
//	t(x, y) = (2 + sin(f0·(x, y) + φ0) + sin(f1·(x, y) + φ1))/4,   c = (1 − t)·c0 + t·c1 + noise
//
// On it lie MinObjects to MaxObjects objects, each of one of NC classes —
// filled square, filled circle, filled isosceles triangle (apex up, right, down
// or left) and ring (inner radius 0.45 to 0.65 of the outer) — with a square
// bounding box of side MinSide to MaxSide pixels, in a random colour at least
// 80 (of 255, Euclidean in RGB) from the colours the background mixes. Two
// boxes share at most MaxOverlap of the smaller box's area; later objects are
// drawn over earlier ones, whose labels keep their whole box. Edges are
// anti-aliased with 4×4 samples per pixel.
//
// # The two specs
//
// Default ("easy") is the experiment's first dataset: 64×64 images, 4,000
// for training and 500 for validation, 1 to 6 objects of side 8 to 40 px,
// classes drawn uniformly, nothing else on the background.
//
// Hard ("hard") is the conditions focal loss was made for, at about the
// cost of an easy run (a quarter of the images, each four times the pixels):
//
//   - 128×128 images, 1,000 for training and 125 for validation, with the
//     easy set's 1 to 6 objects but of side 4 to 16 px: four times the anchor
//     positions per image, each object covering few of them;
//   - 2 to 6 unlabelled distractors per image, shapes of no class (a cross,
//     a bar of a third of its box's height, a diamond) in colours drawn as
//     the objects' are, of the objects' sizes, drawn under the objects;
//   - 3 to 8 patches of textured clutter per image: squares of side 8 to 24
//     px filled at half opacity with a fine grating (period 2 to 5 px)
//     between two random colours, drawn under everything;
//   - a class imbalance: class weights 1 : 1 : 1 : 0.05, so rings are 20
//     times rarer than each other class (about 70 of 3,900 objects).
//
// A class is drawn with probability w_c / Σ w (Config.ClassWeights; all zero
// draws uniformly, as the easy set does). The hard set's additions draw from
// the image's generator after the objects are placed, so that the zero
// values of the new fields give the easy set's bytes unchanged.
//
// # Determinism
//
// Image i of a split with seed s draws only from rand.NewPCG(s, i), so an
// image does not depend on the others or on the order or number of goroutines
// that write them: the same Config gives the same bytes on one architecture.
// testdata/golden.txt pins the first images of each split as amd64 draws
// them; the Go compiler may fuse multiplications and additions on other
// architectures (arm64, ppc64, s390x), which can change the last bit of a
// colour and so a pixel.
//
// # Layout
//
// Write creates data.yaml, images/{train,val}/NNNNNN.png and
// labels/{train,val}/NNNNNN.txt, YOLOv5's layout: a label file holds one line
// "class cx cy w h" per object, normalised by the image side, and YOLOv5 finds
// it by replacing /images/ with /labels/ in the image's path.
package synth
