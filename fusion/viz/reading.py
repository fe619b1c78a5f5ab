"""How to read each chart, in words a teacher can leave on the screen (shown next to the charts)."""

from __future__ import annotations

READING = {
    "probabilities": (
        "**Probabilities**: the model's softmax over the classes for this sample; the highlighted bar is its "
        "prediction, the outlined one the true class. They sum to 100 %."
    ),
    "contributions": (
        "**Modality contributions (Shapley values)**: how much each modality moves the probability of the explained "
        "class, averaged over every order of adding the modalities, from the model's answer with no modality (its "
        "prior) to its answer with all of them. The bars add up exactly to that difference. This answers: *what does "
        "each modality add to this prediction?*"
    ),
    "attention": (
        "**Attention**: where the model's attention weights go, drawn on the input (patches of the image, frames "
        "of the audio, words). It is the weight the model gives each part when it mixes them, which is not always "
        "what decides the prediction. The shading is stretched from each map's lowest to its highest weight, so a "
        "nearly uniform map looks as peaked as a sharp one: the weights themselves are in the downloaded JSON. An "
        "early model with a vector operator has no attention."
    ),
    "gradients": (
        "**Integrated Gradients**: the gradient of the explained class's logit, accumulated along a straight path "
        "from a baseline (a blank image, silence, empty word slots) to the input, per pixel, frame or word. Red "
        "raises the logit, blue lowers it; each modality's share is its part of the total. This answers: *which "
        "parts of the input move the logit, relative to the baseline?* — a different question from Shapley values, "
        "so the two can disagree."
    ),
    "emap": (
        "**EMAP non-additive share**: over a grid of (image of one sample, audio of another), the share of the "
        "logits' variance that no sum of an image-only and an audio-only effect explains. 0 % means the model "
        "adds up what each modality says; a high share means its answer depends on the combination. It is measured "
        "on the logit scale, so a model additive in probabilities (late fusion's mean) can still score above 0."
    ),
    "faithfulness": (
        "**Deletion test**: on test samples (the task's standard corruption), the drop in the predicted class's "
        "probability when the k tokens with the most attention are removed, against k random tokens (8 draws per "
        "sample). Audio frames and words are removed through the model's own mask, image patches are set to blank. "
        "A 95 % bootstrap interval of the difference above 0 means the map points at what the prediction needs more "
        "than chance does; it says nothing about tokens the map ignores. *Attention on padding* is the map's mass on "
        "audio after the clip (and text padding): the models mask it, so it is 0. "
        "`python -m fusion faithfulness --task T` prints the same figures."
    ),
}
