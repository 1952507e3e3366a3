import { usccCheckCharacter, type Person, type Unit } from '@govdesk/shared';
import { SeededRandom } from '../../../test/support/seeded-random.ts';

/**
 * A province-sized directory, generated from a seed so that every run (and
 * every machine) imports and searches the same data: 广东省人民政府 → 21 市 →
 * 120 县/区 → about 1,600 镇/街道, each with its departments and their 处/科
 * (about 20,000 units), and N civil servants with common Chinese names.
 */

export type CivilServant = Extract<Person, { class: 'civil_servant' }>;

export interface GeneratedUnit extends Unit {
  /** The unit as one readable name: a 处/科/办公室 with the name of the unit it belongs to (广州市教育局办公室), any other its own. */
  fullName: string;
  /** A 处/科/办公室 with no units below it. */
  leaf: boolean;
}

export interface GeneratedDirectory {
  units: GeneratedUnit[];
  people: CivilServant[];
}

// Surnames in rough order of frequency (drawn with Zipf weights), then rarer
// ones, among them the polyphonic surnames a pinyin search gets wrong when it
// reads them as ordinary words (曾 zeng, 单 shan, 解 xie, 仇 qiu, 区 ou, 朴 piao, 查 zha, 乐 yue).
const SURNAMES = [
  ...'王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤',
  ...'冼区单解仇朴查乐盖缪翟柏都尉宁祁',
];
const COMPOUND_SURNAMES = ['欧阳', '司马', '诸葛', '上官', '尉迟', '万俟', '司徒'];
// Given-name characters; 乐 朝 长 行 重 传 和 觉 强 红 泽 have more than one reading.
const GIVEN = [
  ...'伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国文辉玲红志海燕婷雪梅鹏飞斌波宇浩凯俊帆晨欣怡佳嘉子涵梓轩博宏琳晶林峰亮成健鑫琴云莉兵春晓东',
  ...'丹慧颖倩璐瑶晗萱欢乐朝长行重传和觉少正永德新玉金荣生福祥瑞安家庆元光耀振兴立彬锋翔晖梦蕾薇思诗雅琪珊媛洁露蓉楠琦宁然睿泽铭昊天一',
];

/**
 * The first letter of each character's pinyin as people type it: a surname in
 * its surname reading, a given-name character in its most common reading.
 * Only for building initials queries and reporting them; the server's index
 * holds every reading.
 */
const SURNAME_INITIALS = byInitial(
  'b:白柏 c:陈曹蔡程崔 d:邓董杜丁段戴都 f:冯范付方 g:郭高顾龚盖 h:黄胡何韩侯贺郝 j:蒋姜金贾江 k:孔 l:李刘林罗梁吕卢陆廖雷龙黎 m:马孟毛莫缪 n:宁 o:区 p:彭潘朴 q:秦邱钱覃仇祁 r:任 s:孙宋苏沈石史邵单 t:唐田谭陶汤 w:王吴魏汪韦万武尉 x:徐谢许肖夏熊薛向冼解 y:杨袁于余叶姚尹闫严乐 z:张赵周朱郑曾钟邹查翟',
);
const COMPOUND_INITIALS: Record<string, string> = { 欧阳: 'oy', 司马: 'sm', 诸葛: 'zg', 上官: 'sg', 尉迟: 'yc', 万俟: 'mq', 司徒: 'st' };
const GIVEN_INITIALS = byInitial(
  'a:安 b:斌波博兵彬 c:超晨成春朝长传 d:东丹德 f:芳飞帆峰福锋 g:刚桂国光 h:华辉红海浩涵宏慧晗欢和晖昊 j:静军杰娟建俊佳嘉晶健觉金家洁 k:凯 l:丽磊兰玲琳林亮莉璐乐立蕾露 m:敏明梅梦铭 n:娜楠宁 p:平鹏 q:强琴倩庆琪琦 r:荣瑞蓉然睿 s:少生思诗珊 t:涛婷天 w:伟文薇 x:秀霞雪欣轩鑫晓萱行新祥兴翔 y:英洋勇艳燕宇怡云颖瑶永玉元耀雅媛一 z:志子梓重正振泽',
);

function byInitial(spec: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const group of spec.split(' ')) {
    const [letter, chars] = group.split(':') as [string, string];
    for (const char of chars) map.set(char, letter);
  }
  return map;
}

/** The pinyin initials of a generated name (曾伟 → zw, 欧阳娜 → oyn). */
export function initialsOf(name: string): string {
  const compound = COMPOUND_INITIALS[name.slice(0, 2)];
  const given = compound === undefined ? name.slice(1) : name.slice(2);
  const surname = compound ?? SURNAME_INITIALS.get(name[0] as string);
  if (surname === undefined) throw new Error(`no initials for the surname of ${name}`);
  return surname + [...given].map((char) => GIVEN_INITIALS.get(char) ?? '?').join('');
}

// Zipf-like weights shifted so that the top is about as flat as China's (王 and 李 each about 7–9 %, the first five about 30 %).
const surnameCumulative = (() => {
  const weights = SURNAMES.map((_, index) => 1 / Math.pow(index + 4, 1.2));
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  let sum = 0;
  return weights.map((weight) => (sum += weight) / total);
})();

function surname(random: SeededRandom): string {
  if (random.chance(0.005)) return random.pick(COMPOUND_SURNAMES);
  const r = random.next();
  // Binary search of the cumulative weights.
  let low = 0;
  let high = surnameCumulative.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((surnameCumulative[middle] as number) < r) low = middle + 1;
    else high = middle;
  }
  return SURNAMES[low] as string;
}

/** A surname and one given character (three in ten) or two. */
function personName(random: SeededRandom): string {
  const family = surname(random);
  return random.chance(0.3) ? family + random.pick(GIVEN) : family + random.pick(GIVEN) + random.pick(GIVEN);
}

// The 21 prefecture-level cities of 广东: the code their unit IDs start with, their administrative division (GB/T 2260).
const CITIES: readonly (readonly [code: string, name: string, division: string])[] = [
  ['gz', '广州', '4401'], ['sz', '深圳', '4403'], ['zh', '珠海', '4404'], ['st', '汕头', '4405'], ['fs', '佛山', '4406'], ['sg', '韶关', '4402'],
  ['hy', '河源', '4416'], ['mz', '梅州', '4414'], ['hz', '惠州', '4413'], ['sw', '汕尾', '4415'], ['dg', '东莞', '4419'], ['zs', '中山', '4420'],
  ['jm', '江门', '4407'], ['yj', '阳江', '4417'], ['zj', '湛江', '4408'], ['mm', '茂名', '4409'], ['zq', '肇庆', '4412'], ['qy', '清远', '4418'],
  ['cz', '潮州', '4451'], ['jy', '揭阳', '4452'], ['yf', '云浮', '4453'],
];
const PROVINCE_DEPARTMENTS = [
  ...'办公厅 发展和改革委员会 教育厅 科学技术厅 工业和信息化厅 公安厅 民政厅 司法厅 财政厅 人力资源和社会保障厅 自然资源厅 生态环境厅 住房和城乡建设厅 交通运输厅'.split(' '),
  ...'水利厅 农业农村厅 商务厅 文化和旅游厅 卫生健康委员会 退役军人事务厅 应急管理厅 审计厅 国有资产监督管理委员会 市场监督管理局 广播电视局 体育局 统计局'.split(' '),
  ...'医疗保障局 地方金融管理局 政务服务和数据管理局 林业局 粮食和物资储备局 能源局 监狱管理局 药品监督管理局 信访局 人民防空办公室 港澳事务办公室 外事办公室 侨务办公室'.split(' '),
];
// The first is the government's own office; a county has the first 25.
const CITY_DEPARTMENTS = [
  ...'人民政府办公室 发展和改革局 教育局 科学技术局 工业和信息化局 公安局 民政局 司法局 财政局 人力资源和社会保障局 自然资源局 生态环境局 住房和城乡建设局 交通运输局 水务局'.split(' '),
  ...'农业农村局 商务局 文化广电旅游体育局 卫生健康局 退役军人事务局 应急管理局 审计局 国有资产监督管理委员会 市场监督管理局 统计局 医疗保障局 政务服务数据管理局 信访局 城市管理和综合执法局 林业局'.split(' '),
];
const PROVINCE_OFFICES = '秘书一处 秘书二处 综合处 督查室 法规处 人事处 财务处 信息中心 政策研究室 机关党委'.split(' ');
const SECTIONS = '办公室 综合科 业务科 法规科 人事科'.split(' ');
const TOWN_OFFICES = ['党政综合办公室', '社会事务办公室', '综合行政执法办公室'];
const PLACE_CHARS = [...'安平和兴隆福宁新东南西北山河源清远阳江海城龙华宝丰庆台德化石桥沙田坪岭湖塘中茂高金玉凤鹤松青云白水桃竹梅莲'];
const COUNTY_SUFFIXES = ['区', '县', '市'];

const SECTION_TITLES = ['科员', '科员', '一级科员', '四级主任科员', '二级主任科员', '副科长', '科长', '副处长', '处长'];
const LEADER_TITLES = ['局长', '副局长', '副局长', '主任', '副主任', '一级调研员', '二级巡视员', '镇长', '副镇长'];

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/**
 * 省 → 21 市 → 120 县/区 → about 1,600 镇/街道, with departments and their
 * 处/科: about 20,000 units. Every government and department is an organ (机关)
 * with its own 统一社会信用代码; the 处/科/办公室 inside one have none and are
 * named with it (广州市教育局办公室).
 */
function generateUnits(random: SeededRandom): GeneratedUnit[] {
  const units: GeneratedUnit[] = [];
  let organs = 0;
  /** An organ's code: 1 (机构编制) 1 (机关), its division, a serial number as the subject identifier, the check character. */
  const uscc = (division: string) => {
    const first17 = `11${division.padEnd(6, '0')}${String(++organs).padStart(9, '0')}`;
    return first17 + usccCheckCharacter(first17);
  };
  const add = (id: string, name: string, parent: GeneratedUnit | null, division?: string): GeneratedUnit => {
    const leaf = division === undefined;
    const unit = { id, name, parentId: parent?.id ?? null, ...(leaf ? {} : { uscc: uscc(division) }), fullName: leaf && parent ? parent.name + name : name, leaf };
    units.push(unit);
    return unit;
  };
  const province = add('gd', '广东省人民政府', null, '44');
  PROVINCE_DEPARTMENTS.forEach((name, d) => {
    const department = add(`gd-d${pad(d)}`, `广东省${name}`, province, '44');
    PROVINCE_OFFICES.forEach((office, o) => add(`${department.id}-o${o}`, office, department));
  });
  // Place names are unique in the province, so that a unit's full name names one unit.
  const placeNames = new Set<string>();
  let countyNumber = 0;
  CITIES.forEach(([code, city, division], c) => {
    const cityGovernment = add(code, `${city}市人民政府`, province, division);
    CITY_DEPARTMENTS.forEach((name, d) => {
      const department = add(`${code}-d${pad(d)}`, `${city}市${name}`, cityGovernment, division);
      SECTIONS.forEach((section, s) => add(`${department.id}-s${s}`, section, department));
    });
    // 15 × 6 + 6 × 5 = 120 counties and districts.
    for (let k = 0; k < (c < 15 ? 6 : 5); k++, countyNumber++) {
      let county: string;
      do county = random.pick(PLACE_CHARS) + random.pick(PLACE_CHARS) + random.pick(COUNTY_SUFFIXES);
      while (placeNames.has(county) || county[0] === county[1]);
      placeNames.add(county);
      const countyDivision = division + pad(k + 2);
      const countyGovernment = add(`${code}-k${k}`, `${county}人民政府`, cityGovernment, countyDivision);
      CITY_DEPARTMENTS.slice(0, 25).forEach((name, d) => {
        const department = add(`${countyGovernment.id}-d${pad(d)}`, county + name, countyGovernment, countyDivision);
        SECTIONS.slice(0, 2).forEach((section, s) => add(`${department.id}-s${s}`, section, department));
      });
      // 40 counties with 14 towns and 80 with 13: 1,600; every fourth a 街道.
      for (let t = 0; t < (countyNumber < 40 ? 14 : 13); t++) {
        const street = t % 4 === 0;
        let town: string;
        do town = random.pick(PLACE_CHARS) + random.pick(PLACE_CHARS) + (street ? '街道' : '镇');
        while (placeNames.has(town) || town[0] === town[1]);
        placeNames.add(town);
        const townGovernment = add(`${countyGovernment.id}-t${pad(t)}`, street ? `${town}办事处` : `${town}人民政府`, countyGovernment, countyDivision);
        TOWN_OFFICES.forEach((office, o) => add(`${townGovernment.id}-o${o}`, office, townGovernment));
      }
    }
  });
  return units;
}

/**
 * The directory for a seed: the units, then `people` civil servants
 * `@u<i>:gd.gov.cn`, nine in ten in a 处/科/办公室 and the rest in a
 * department or government, four in five with a 职务.
 */
export function generateDirectory(options: { people: number; seed: number }): GeneratedDirectory {
  const random = new SeededRandom(options.seed);
  const units = generateUnits(random);
  const leaves = units.filter((unit) => unit.leaf);
  const upper = units.filter((unit) => !unit.leaf && unit.parentId !== null);
  const people: CivilServant[] = new Array(options.people);
  for (let i = 0; i < options.people; i++) {
    const inSection = random.chance(0.9);
    const unit = random.pick(inSection ? leaves : upper);
    const title = random.chance(0.8) ? random.pick(inSection ? SECTION_TITLES : LEADER_TITLES) : undefined;
    people[i] = { userId: `@u${i}:gd.gov.cn`, displayName: personName(random), class: 'civil_servant', unitId: unit.id, ...(title === undefined ? {} : { title }) };
  }
  return { units, people };
}

/** The account the bench logs in with, a civil servant in 广东省政务服务和数据管理局信息中心. */
export function benchPerson(directory: GeneratedDirectory, userId: string): CivilServant {
  const unit = directory.units.find((candidate) => candidate.fullName === '广东省政务服务和数据管理局信息中心');
  if (!unit) throw new Error('the generated directory has no 广东省政务服务和数据管理局信息中心');
  return { userId, displayName: '张伟', class: 'civil_servant', unitId: unit.id, title: '一级科员' };
}
