"""Request and response models, one module per resource: XCreate, XUpdate, XRead, XList."""
