// Package lightgbm scores LightGBM models natively: it reads LightGBM's text
// model format (what Booster.save_model and model_to_string write, and what
// mlflow.lightgbm.log_model saves as model.lgb) and predicts as LightGBM's
// own predict does, raw scores and transformed outputs alike, with the
// same treatment of missing values, zeros and categories. The reference
// tests hold it to LightGBM 4.7's predictions within 1e-9.
//
// Parse reads a model into a Booster; Open turns an MLflow model directory
// with the lightgbm flavor into an mlmodel.Scorer; NewScorer wraps a
// Booster found elsewhere (inside a scikit-learn-API model) as a Scorer.
//
// A Booster predicts with every tree its file holds: save_model writes
// the trees up to best_iteration, and a Booster loaded from the file
// predicts with all of them, so the two agree. A scikit-learn-API model
// keeps all its trees and predicts up to best_iteration_; Iterations
// gives that Booster.
//
// Models trained on a pandas DataFrame with category columns list each
// column's categories in the file's pandas_categorical trailer, in column
// order, without naming the columns. The scorer pairs them with the
// model's categorical features when their count matches, else with the
// string inputs, and maps a value to its position in the list as pandas
// does; an unseen value, like a missing one, is fed as NaN.
package lightgbm
