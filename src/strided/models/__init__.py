"""Models: `Model` (functional and subclassed), `Sequential`, and loading saved models.

    import strided as keras
    model = keras.Sequential([...]); model.compile(...); model.fit(x, y)
    model.save("m.keras"); model = keras.models.load_model("m.keras")
"""

from strided.models.cloning import clone_model
from strided.models.functional import Functional
from strided.models.model import Model
from strided.models.sequential import Sequential
from strided.saving import load_model, model_from_json, save_model

__all__ = ["Model", "Sequential", "Functional", "load_model", "save_model", "model_from_json", "clone_model"]
