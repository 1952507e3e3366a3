import { SeededRandom } from '../../../test/support/seeded-random.ts';

/**
 * Generated Chinese government messages, the kind a 粤政易 work group carries:
 * notices, deadlines, meeting arrangements, replies. Deterministic per seed.
 */

const UNITS = ['省政府办公厅', '省发展改革委', '省教育厅', '省科技厅', '省公安厅', '省民政厅', '省财政厅', '省人力资源社会保障厅', '省自然资源厅', '省生态环境厅', '省住房城乡建设厅', '省交通运输厅', '省水利厅', '省农业农村厅', '省商务厅', '省卫生健康委', '省应急管理厅', '省市场监管局', '省政务服务数据管理局', '广州市人民政府', '深圳市人民政府', '珠海市人民政府', '汕头市人民政府', '佛山市人民政府', '韶关市人民政府', '湛江市人民政府', '肇庆市人民政府', '江门市人民政府', '茂名市人民政府', '惠州市人民政府'];
const TOPICS = ['防汛工作', '安全生产', '营商环境', '乡村振兴', '数字政府建设', '政务服务', '招商引资', '生态环境保护', '城市更新', '教育督导', '医疗保障', '应急演练', '森林防火', '交通安全', '食品安全', '消防检查', '民生实事', '财政预算', '审计整改', '信访维稳', '人才引进', '科技创新', '产业园区', '海洋经济', '粮食安全', '水污染防治', '大气污染防治', '垃圾分类', '老旧小区改造', '养老服务'];
const ACTIONS = ['请于{d}前报送{t}相关材料', '关于{t}的通知已印发，请各单位认真贯彻落实', '{u}已完成{t}第{n}阶段工作', '明天上午九点召开{t}专题会议，请准时参加', '收到，马上安排{t}落实', '请{u}牵头做好{t}督办事项', '{t}情况报告已上传，请审阅', '关于{t}的意见征求，请于{d}前反馈', '{u}反映{t}存在问题，请核实处理', '本周{t}检查共发现问题{n}个，已整改{n}个'];
const DAYS = ['本周五', '下周一', '月底', '3月15日', '6月30日', '9月10日', '12月20日', '明天下班', '本月20日', '下周三'];

export function messageGenerator(seed = 1): () => string {
  const random = new SeededRandom(seed);
  return () =>
    random.pick(ACTIONS)
      .replace('{t}', random.pick(TOPICS))
      .replace('{u}', random.pick(UNITS))
      .replace('{d}', random.pick(DAYS))
      .replaceAll('{n}', () => String(random.int(1, 60)));
}

/** Substrings searched for, from common to absent, each at least three characters (the trigram index's unit). */
export const QUERIES = ['防汛工作', '政务服务', '督办事项', '省水利厅', '情况报告', '专题会议', '老旧小区改造', '珠海市人民政府', '第37阶段', '森林防火相关材料', '量子计算', '粤港澳大湾区'];
