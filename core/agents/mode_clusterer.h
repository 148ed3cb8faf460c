#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace ns {

/// Scales each vector to unit length (after subtracting the mean of all of them, which the
/// residual stream's large shared direction would otherwise dominate).
void centreAndNormalise(std::vector<std::vector<float>>* vectors);

/// Weighted k-means (Euclidean), best of several seeded k-means++ starts by within-cluster
/// spread: labels 0..k-1 for each vector. Deterministic for a seed.
std::vector<int> clusterVectors(const std::vector<std::vector<float>>& vectors, const std::vector<float>& weights, int k,
                                uint64_t seed);

/// Weighted mean of each label's vectors (index = label; empty for a label without members).
std::vector<std::vector<float>> clusterCentroids(const std::vector<std::vector<float>>& vectors, const std::vector<float>& weights,
                                                 const std::vector<int>& labels);
double distance(const std::vector<float>& a, const std::vector<float>& b);

/// Mean silhouette of a labelling (Rousseeuw 1987), in [-1, 1]: how much closer each vector
/// is to its own cluster than to the nearest other one. 0 for a single cluster.
double silhouette(const std::vector<std::vector<float>>& vectors, const std::vector<int>& labels);

/// The first two principal components of the vectors (power iteration): 2-D coordinates for
/// the cluster map, one pair per vector.
std::vector<std::pair<float, float>> principalPlane(const std::vector<std::vector<float>>& vectors);

/// The nearest centroid (-1 when there are none).
int nearestCentroid(const std::vector<std::vector<float>>& centroids, const std::vector<float>& v);

}  // namespace ns
