#include "workloads/moe_layer/expert_operators.hpp"

#include <numeric>

namespace codesim::workloads {
namespace {

class OperatorList {
 public:
  OperatorList(const ScenarioConfig& s, std::vector<Operator>& out) : s_(s), out_(out) {}

  void elementwise(OperatorKind kind, std::string name, std::int64_t rows, std::int64_t cols, std::string in,
                   std::string out) {
    if (rows == 0) return;
    Operator op;
    op.kind = kind;
    op.name = std::move(name);
    op.rows = rows;
    op.cols = cols;
    op.in_format = std::move(in);
    op.out_format = std::move(out);
    out_.push_back(std::move(op));
  }

  /// A GEMM in the scenario's FP8 recipe. `m` and `k` may each hold one entry per group.
  void gemm(std::string name, std::vector<std::int64_t> m, std::int64_t n, std::vector<std::int64_t> k,
            bool grouped, const std::string& b_scaling) {
    Operator op;
    op.kind = grouped ? OperatorKind::kGroupedGemm : OperatorKind::kGemm;
    op.name = std::move(name);
    op.m = std::move(m);
    op.n = n;
    op.k = std::move(k);
    op.layout = grouped ? gemm_layout_name(s_.layout) : "dense";
    op.in_format = s_.gemm_input_format;
    op.out_format = s_.gemm_output_format;
    op.a_scaling = s_.activation_scaling;
    op.b_scaling = b_scaling;
    out_.push_back(std::move(op));
  }

  void all_to_all(OperatorKind kind, std::string phase) {
    Operator op;
    op.kind = kind;
    op.name = phase;
    op.phase = std::move(phase);
    out_.push_back(std::move(op));
  }

 private:
  const ScenarioConfig& s_;
  std::vector<Operator>& out_;
};

/// One expert block (the routed instances as a grouped GEMM, or the local shared expert as
/// dense GEMMs): forward, then for training the data and weight gradients.
struct ExpertBlock {
  std::string prefix;           ///< "routed" or "shared"
  std::vector<std::int64_t> m;  ///< rows per group
  std::int64_t width = 0;       ///< intermediate width (I, or I * shared experts)
  bool grouped = true;
};

std::int64_t sum(const std::vector<std::int64_t>& v) { return std::accumulate(v.begin(), v.end(), std::int64_t{0}); }

void forward(OperatorList& ops, const ScenarioConfig& s, std::int64_t h, const ExpertBlock& b) {
  const std::int64_t rows = sum(b.m);
  ops.gemm(b.prefix + ".gate_up.fprop", b.m, 2 * b.width, {h}, b.grouped, s.weight_scaling);
  ops.elementwise(OperatorKind::kSwigluQuantize, b.prefix + ".swiglu_quantize", rows, b.width, s.gemm_output_format,
                  s.gemm_input_format);
  ops.gemm(b.prefix + ".down.fprop", b.m, h, {b.width}, b.grouped, s.weight_scaling);
}

void data_gradients(OperatorList& ops, const ScenarioConfig& s, std::int64_t h, const ExpertBlock& b) {
  const std::int64_t rows = sum(b.m);
  ops.gemm(b.prefix + ".down.dgrad", b.m, b.width, {h}, b.grouped, s.weight_scaling);
  ops.elementwise(OperatorKind::kSwigluBackward, b.prefix + ".swiglu_backward_quantize", rows, 2 * b.width,
                  s.gemm_output_format, s.gemm_input_format);
  ops.gemm(b.prefix + ".gate_up.dgrad", b.m, h, {2 * b.width}, b.grouped, s.weight_scaling);
}

void weight_gradients(OperatorList& ops, const ScenarioConfig& s, std::int64_t h, const ExpertBlock& b) {
  const std::int64_t rows = sum(b.m);
  // Wgrad contracts over tokens, so its FP8 operands need 128x1 tiles along the token axis:
  // each 1x128-quantised tensor is re-read, transposed and re-quantised ([V3] §3.5.2).
  const std::string& q = s.gemm_input_format;
  ops.elementwise(OperatorKind::kCastTranspose, b.prefix + ".input_transpose", rows, h, q, q);
  ops.elementwise(OperatorKind::kCastTranspose, b.prefix + ".swiglu_output_transpose", rows, b.width, q, q);
  ops.elementwise(OperatorKind::kCastTranspose, b.prefix + ".output_grad_transpose", rows, h, q, q);
  ops.elementwise(OperatorKind::kCastTranspose, b.prefix + ".gate_up_grad_transpose", rows, 2 * b.width, q, q);
  const std::string token_tiles = s.activation_scaling;  // both operands are activation-like
  ops.gemm(b.prefix + ".down.wgrad", {h}, b.width, b.m, b.grouped, token_tiles);
  ops.gemm(b.prefix + ".gate_up.wgrad", {2 * b.width}, h, b.m, b.grouped, token_tiles);
}

}  // namespace

std::vector<Operator> expert_operators(const ScenarioConfig& s, const ModelConfig& m, const GpuWorkload& gpu) {
  std::vector<Operator> out;
  OperatorList ops(s, out);
  const std::int64_t h = m.hidden;
  const bool training = s.phase == Phase::kTraining;

  ExpertBlock routed{"routed", {}, m.expert_intermediate, true};
  for (const auto& inst : gpu.instances) routed.m.push_back(inst.rows);
  const bool local_shared = s.shared == SharedExpertPlacement::kLocal && m.shared_experts > 0;
  const ExpertBlock shared{"shared", {gpu.tokens}, std::int64_t{m.expert_intermediate} * m.shared_experts, false};

  ops.elementwise(OperatorKind::kQuantize, "dispatch_input.quantize", gpu.tokens, h, "bf16", s.dispatch_format);
  ops.all_to_all(OperatorKind::kDispatch, "dispatch");
  if (local_shared) forward(ops, s, h, shared);  // overlaps the dispatch in DeepSeek's schedule
  if (!routed.m.empty()) forward(ops, s, h, routed);
  ops.all_to_all(OperatorKind::kCombine, "combine");
  if (!training) return out;

  ops.elementwise(OperatorKind::kQuantize, "output_grad.quantize", gpu.tokens, h, "bf16", s.dispatch_format);
  ops.all_to_all(OperatorKind::kDispatch, "gradient_dispatch");
  if (local_shared) data_gradients(ops, s, h, shared);
  if (!routed.m.empty()) data_gradients(ops, s, h, routed);
  ops.all_to_all(OperatorKind::kCombine, "gradient_combine");
  if (local_shared) weight_gradients(ops, s, h, shared);
  if (!routed.m.empty()) weight_gradients(ops, s, h, routed);
  return out;
}

}  // namespace codesim::workloads
