"""Inference backends behind one interface, and the dynamic batcher in front of them."""
