"""Model store: the packed request layout, the TorchServe handler and .mar packaging."""
