// Package xgboost scores XGBoost tree models natively, without Python: the
// models that mlflow.xgboost.log_model saves (model.ubj by default, or
// model.json), for the scikit-learn wrappers (XGBClassifier, XGBRegressor,
// XGBRF*) and plain Boosters.
//
// # Formats
//
// Parse reads XGBoost's JSON and UBJSON (Universal Binary JSON) model
// formats, as XGBoost 2.x and 3.x write them; the UBJSON decoder here reads
// the subset XGBoost uses (objects, counted and typed arrays of float32,
// int8/16/32/64 and uint8, strings, scalars) into the same generic values as
// the JSON path, and one reader builds the model from either. The legacy
// binary format is refused.
//
// Supported: boosters gbtree and dart (tree weights weight_drop); objectives
// binary:logistic, binary:logitraw, reg:logistic, multi:softprob,
// multi:softmax, reg:squarederror, reg:absoluteerror, count:poisson,
// reg:gamma and reg:tweedie; numerical and categorical splits. Refused with
// a message naming the reason: gblinear, other objectives, multi-target and
// vector-leaf models.
//
// # The float32 rule
//
// Predictions equal XGBoost's CPU predict bit for bit on the reference
// fixtures, because the arithmetic is XGBoost's:
//
//   - Features are read as float32: a float64 input is rounded to float32
//     first (as a DMatrix or inplace_predict does), then compared with the
//     float32 threshold. A row goes left when value < threshold, right
//     otherwise; so a float64 a hair below a threshold that rounds onto it
//     goes right.
//   - NaN is missing and takes the node's default child. ±Inf is an
//     ordinary value (inplace_predict reads it; a DMatrix refuses it).
//   - A categorical split sends a category right when it is in the node's
//     set and left otherwise; a negative value, one ≥ 2^24, or one above
//     the set's largest category goes left; a fractional value is
//     truncated.
//   - The margin of each output starts at base_score turned into margin
//     space by the objective in float32 (logit of the value clamped to
//     [1e-6, 1-1e-6] for logistic objectives, log for poisson, gamma and
//     tweedie, the value itself otherwise; XGBoost ≥ 3.1 may store one per
//     class). Leaf values are then added in tree order, each addition
//     rounded to float32. Dart first multiplies a leaf value by its tree
//     weight, rounded to float32.
//   - Transforms are float32: sigmoid 1/(expf(min(-x, 88.7))+1), exp for
//     log links, and softmax with float32 exps of (x - max) summed in
//     float64 and divided by the sum rounded to float32. expf is Go's
//     float64 exp rounded to float32, which can differ from glibc's expf in
//     the last bit; the tests allow 1e-6 and found no difference.
//
// # Iterations
//
// A Booster's predict scores every tree. The scikit-learn wrappers' predict
// stops at best_iteration when early stopping stored one, and so does
// Open for those model classes.
//
// # Categories
//
// XGBoost ≥ 3.1 trained on a pandas DataFrame with category columns stores
// the training categories in the model (gradient_booster.model.cats) and
// re-codes a request's categories by value. Score does the same for string
// (or numeric) cells; a category not seen in training is an error, as in
// XGBoost ≥ 3.3. Models without stored categories take the integer codes.
package xgboost
