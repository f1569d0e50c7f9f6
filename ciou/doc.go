// Package ciou computes the Complete IoU of two boxes as YOLOv5's bbox_iou
// does (utils/metrics.py, xywh=True, CIoU=True, eps = 1e-7), and its gradient
// with respect to the first box with the aspect weight α detached, as in
// YOLOv5 where α is computed under torch.no_grad().
//
// # Forward
//
// Boxes are (x, y, w, h), centre and size. With the corners
// x₁ = x − w/2, x₂ = x + w/2 (likewise y) of the prediction (subscript 1) and
// the target (subscript 2):
//
//	I     = max(min(x₁₂, x₂₂) − max(x₁₁, x₂₁), 0) · max(min(y₁₂, y₂₂) − max(y₁₁, y₂₁), 0)
//	U     = w₁h₁ + w₂h₂ − I + ε
//	IoU   = I / U
//	c²    = (max(x₁₂, x₂₂) − min(x₁₁, x₂₁))² + (max(y₁₂, y₂₂) − min(y₁₁, y₂₁))² + ε
//	ρ²    = ((x₂₁ + x₂₂ − x₁₁ − x₁₂)² + (y₂₁ + y₂₂ − y₁₁ − y₁₂)²) / 4
//	v     = (4/π²)·(atan(w₂/h₂) − atan(w₁/h₁))²
//	α     = v / (v − IoU + 1 + ε)                 (no gradient)
//	CIoU  = IoU − (ρ²/c² + α·v)
//
// # Backward
//
// Reverse mode through the expressions above, with G = ∂L/∂CIoU:
//
//	∂/∂I    = G·(1/U + I/U²)        (U depends on I)
//	∂/∂(w₁h₁) = −G·I/U²
//	∂/∂ρ²   = −G/c²,   ∂/∂c² = G·ρ²/c⁴
//	∂/∂v    = −G·α,    ∂v/∂(w₁/h₁) = −(8/π²)·(atan(w₂/h₂) − atan(w₁/h₁)) / (1 + (w₁/h₁)²)
//
// The gradient is taken with respect to (x, y, log w₁, log h₁) in the loss
// (GradLog), where ∂w₁/∂log w₁ = w₁, and the aspect ratio is
// w₁/h₁ = e^{log w₁ − log h₁}: a predicted size that underflows to 0 then
// leaves every term finite, where w₁/h₁ would be 0/0 and ∂/∂w₁ infinite.
//
// min, max and the clamp at 0 follow PyTorch's rules: the larger (smaller)
// argument takes the gradient, ties split it in halves, and clamp(v, 0)
// passes it where v ≥ 0.
package ciou
