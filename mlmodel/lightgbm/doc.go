// Package lightgbm scores LightGBM models natively: it reads LightGBM's text
// model format (what Booster.save_model writes and what
// mlflow.lightgbm.log_model saves as model.lgb) and predicts as LightGBM's
// own predict does, raw scores and transformed outputs alike, with the
// same treatment of missing values, zeros and categories.
//
// Parse reads a model into a Booster; Open turns an MLflow model directory
// with the lightgbm flavor into an mlmodel.Scorer; NewScorer wraps a
// Booster found elsewhere (inside a scikit-learn-API model) as a Scorer.
//
// The package imports only the standard library and Weir's own mlmodel,
// ml and frame packages.
package lightgbm
