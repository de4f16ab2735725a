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
// Batches of rows (PredictBatch, PredictRawBatch, and every Score call)
// find each tree's leaf through a table built when the model is read, in
// the manner of QuickScorer: for every feature and every interval between
// its thresholds, the leaves that the nodes on that feature rule out, as
// bits. A row costs a binary search per feature and a few ANDs, not a
// chain of dependent loads per tree: about 0.2 us a row for 100 trees of
// 31 leaves, against 1.5 us walking them. The table decides as the walk
// does and the trees are summed in the same order, so both give the same
// bits; models a walk scores faster (few shallow trees over many
// features), linear trees and trees of more than 64 leaves are walked.
//
// Models trained on a pandas DataFrame with category columns list each
// column's categories in the file's pandas_categorical trailer, in column
// order, without naming the columns. The scorer pairs them with the
// model's categorical features when their count matches, else with the
// string inputs, and maps a value to its position in the list as pandas
// does; an unseen value, like a missing one, is fed as NaN.
package lightgbm
